import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    static let syncOperation = "sync_event_sources"

    /// AdCP `sync_event_sources` (also `POST /agentic/v1/event-sources/sync`).
    public func syncEventSources(
        body: [UInt8], principal: Principal, logger: Logger
    ) async -> ServiceAnswer<SyncEventSourcesResponse> {
        if let e = principal.refusal(unless: .account) { return Self.failure(.forbidden, e) }
        let request: SyncEventSourcesRequest
        switch Self.decodeJSON(SyncEventSourcesRequest.self, from: body) {
        case .success(let r): request = r
        case .failure(let e): return .failed(e)
        }
        if let e = checkAccount(request.account, principal: principal) { return .failed(e) }
        if let e = Self.checkIdempotencyKey(request.idempotency_key) { return Self.failure(.invalid, e) }
        if let sources = request.event_sources, sources.isEmpty {
            return Self.failure(.invalid, AdCPError(
                .invalidRequest, "event_sources must hold at least one source; omit it to list the account's sources",
                field: "event_sources"))
        }
        // The canonical request, whichever door and encoding it came in by
        // (`RequestFingerprint`); the body is already known to be JSON.
        let requestHash = request.idempotency_key == nil
            ? "" : RequestFingerprint.canonical((try? JSONDecoder().decode(JSONValue.self, from: Data(body))) ?? .null)
        let now = nowMilliseconds
        let claim = request.idempotency_key.map {
            IdempotencyClaim(operation: Self.syncOperation, key: $0, requestHash: requestHash, at: now)
        }
        let accountID = principal.accountID
        let requested = request.event_sources
        let deleteMissing = request.delete_missing ?? false
        let context = request.context
        let baseURL = settings.baseURL
        do {
            if let claim, let record = try await store.idempotencyRecord(accountID: accountID, operation: claim.operation, key: claim.key) {
                return Self.replay(record, requestHash: requestHash)
            }
            let health = try await healthBySource(accountID: accountID, now: now)
            let outcome = try await store.syncEventSources(
                accountID: accountID, idempotency: claim,
                plan: { existing in
                    EventSourceSync.plan(
                        accountID: accountID, existing: existing, requested: requested,
                        deleteMissing: deleteMissing, now: now)
                },
                respond: { plan in
                    WireJSON.encode(SyncEventSourcesResponse(
                        event_sources: plan.entries.map { entry in
                            var result = EventSourceResult(entry, baseURL: baseURL)
                            if entry.action != .deleted && entry.action != .failed {
                                result.health = health[entry.eventSourceID] ?? EventSourceHealth.assess(day: .init(), week: .init(), now: now)
                            }
                            return result
                        },
                        context: context))
                })
            switch outcome {
            case .replay(let record): return Self.replay(record, requestHash: requestHash)
            case .written(_, let response): return .encoded(response)
            }
        } catch {
            return .failed(Self.unavailable(error, operation: Self.syncOperation, logger: logger))
        }
    }

    /// AdCP health for each of an account's sources, from its counters.
    func healthBySource(accountID: String, now: Int64) async throws -> [String: EventSourceHealth] {
        let day = try await store.counters(accountID: accountID, since: now - 86_400_000)
        let week = try await store.counters(accountID: accountID, since: now - 7 * 86_400_000)
        var out: [String: EventSourceHealth] = [:]
        for id in Set(day.keys).union(week.keys) {
            out[id] = EventSourceHealth.assess(day: day[id] ?? SourceCounters(), week: week[id] ?? SourceCounters(), now: now)
        }
        return out
    }

    /// `GET /agentic/v1/event-sources/{id}`: one source with its health and counters.
    public func eventSourceDetail(id: String, principal: Principal, logger: Logger) async -> ServiceAnswer<EventSourceDetail> {
        if let e = principal.refusal(unless: .account) { return Self.failure(.forbidden, e) }
        if let refusal = Self.checkIDs([(id, "event_source_id", .name)]) { return .failed(refusal) }
        do {
            guard let source = try await store.eventSource(accountID: principal.accountID, id: id) else {
                return Self.failure(.notFound, AdCPError(.referenceNotFound, "event source '\(id)' is not configured on this account", field: "event_source_id"))
            }
            let now = nowMilliseconds
            let day = try await store.counters(accountID: principal.accountID, since: now - 86_400_000)[id] ?? SourceCounters()
            let week = try await store.counters(accountID: principal.accountID, since: now - 7 * 86_400_000)[id] ?? SourceCounters()
            var result = EventSourceResult(
                EventSourceSync.Entry(eventSourceID: id, action: .unchanged, source: source, errors: []), baseURL: settings.baseURL)
            result.action = nil
            result.health = EventSourceHealth.assess(day: day, week: week, now: now)
            return .done(EventSourceDetail(
                event_source: result, counters: EventSourceDetail.Counters(last_24h: day, last_7d: week)))
        } catch {
            return .failed(Self.unavailable(error, operation: "event_source_detail", logger: logger))
        }
    }

    /// An `account` that is not the key's own is refused; omitting it means the key's account.
    func checkAccount(_ account: JSONValue?, principal: Principal) -> ServiceFailure? {
        guard let account, account != .null else { return nil }
        guard case .object = account else {
            return .invalid(AdCPError(.invalidRequest, "account must be an object such as {\"account_id\": \"…\"}", field: "account"))
        }
        guard let id = account["account_id"]?.stringValue else {
            return .notFound(AdCPError(
                .accountNotFound,
                "This server resolves accounts by account_id only; pass {\"account_id\": \"\(principal.accountID)\"} or omit account",
                field: "account"))
        }
        guard id == principal.accountID else {
            return .forbidden(AdCPError(
                .permissionDenied, "This API key does not have access to account '\(id)'", field: "account.account_id"))
        }
        return nil
    }

    /// Decodes a small JSON request, naming the field of a type mismatch.
    /// The body is first read by the strict reader, which every door shares:
    /// Foundation's decoder would let a byte-order mark, UTF-16, trailing
    /// commas or a repeated member through.
    /// A body that is not JSON is marked so (`ServiceFailure.isInvalidJSON`).
    static func decodeJSON<T: Decodable>(_ type: T.Type, from body: [UInt8]) -> Result<T, ServiceFailure> {
        do throws(JSONSyntaxError) {
            try JSONReader.validate(body)
        } catch {
            var failure = ServiceFailure.invalid(syntaxError(error))
            failure.isInvalidJSON = true
            return .failure(failure)
        }
        return decoded(type, from: body).mapError(ServiceFailure.invalid)
    }

    /// `body`, known to be JSON, as a `T`, naming the field of a type mismatch.
    private static func decoded<T: Decodable>(_ type: T.Type, from body: [UInt8]) -> Result<T, AdCPError> {
        do {
            return .success(try JSONDecoder().decode(T.self, from: Data(body)))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = fieldPath(context.codingPath)
            return .failure(AdCPError(.invalidRequest, "\(field.isEmpty ? "The request" : field) has the wrong type", field: field.isEmpty ? nil : field))
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            let field = fieldPath(context.codingPath)
            return .failure(AdCPError(.invalidRequest, "\(field) is not valid", field: field))
        } catch {
            var e = AdCPError(.invalidRequest, invalidJSON)
            e.suggestion = "The body must be a JSON object"
            return .failure(e)
        }
    }

    static func fieldPath(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : "." + key.stringValue }
        }
        return out
    }
}
