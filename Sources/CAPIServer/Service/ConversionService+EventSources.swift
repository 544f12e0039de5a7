import CAPICore
import CAPIStore
import Foundation

extension ConversionService {
    static let syncOperation = "sync_event_sources"

    /// AdCP `sync_event_sources` (also `POST /agentic/v1/event-sources/sync`).
    public func syncEventSources(body: [UInt8], principal: Principal) async -> ServiceReply {
        if let e = principal.refusal(unless: .account) { return Self.failure(403, e) }
        let request: SyncEventSourcesRequest
        switch Self.decodeJSON(SyncEventSourcesRequest.self, from: body) {
        case .success(let r): request = r
        case .failure(let e): return Self.failure(400, e)
        }
        if let e = checkAccount(request.account, principal: principal) { return e }
        if let e = Self.checkIdempotencyKey(request.idempotency_key) { return Self.failure(400, e) }
        if let sources = request.event_sources, sources.isEmpty {
            return Self.failure(400, AdCPError(
                .invalidRequest, "event_sources must hold at least one source; omit it to list the account's sources",
                field: "event_sources"))
        }
        let requestHash = sha256Hex(body)
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
                    Self.encode(SyncEventSourcesResponse(
                        event_sources: plan.entries.map { entry in
                            var result = EventSourceResult(entry, baseURL: baseURL)
                            if entry.action != .deleted && entry.action != .failed {
                                result.health = (health[entry.eventSourceID] ?? EventSourceHealth.assess(day: .init(), week: .init(), now: now)).json
                            }
                            return result
                        },
                        context: context))
                })
            switch outcome {
            case .replay(let record): return Self.replay(record, requestHash: requestHash)
            case .written(_, let response): return ServiceReply(status: 200, body: response)
            }
        } catch {
            return Self.unavailable(error)
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
    public func eventSourceDetail(id: String, principal: Principal) async -> ServiceReply {
        if let e = principal.refusal(unless: .account) { return Self.failure(403, e) }
        if let refusal = Self.checkIDs([(id, "event_source_id", .name)]) { return refusal }
        do {
            guard let source = try await store.eventSource(accountID: principal.accountID, id: id) else {
                return Self.failure(404, AdCPError(.referenceNotFound, "event source '\(id)' is not configured on this account", field: "event_source_id"))
            }
            let now = nowMilliseconds
            let day = try await store.counters(accountID: principal.accountID, since: now - 86_400_000)[id] ?? SourceCounters()
            let week = try await store.counters(accountID: principal.accountID, since: now - 7 * 86_400_000)[id] ?? SourceCounters()
            var result = EventSourceResult(
                EventSourceSync.Entry(eventSourceID: id, action: .unchanged, source: source, errors: []), baseURL: settings.baseURL)
            result.action = nil
            result.health = EventSourceHealth.assess(day: day, week: week, now: now).json
            struct Detail: Encodable {
                var event_source: EventSourceResult
                var counters: JSONValue
            }
            return ServiceReply(status: 200, body: Self.encode(Detail(
                event_source: result, counters: .object(["last_24h": day.json, "last_7d": week.json]))))
        } catch {
            return Self.unavailable(error)
        }
    }

    /// An `account` that is not the key's own is refused; omitting it means the key's account.
    func checkAccount(_ account: JSONValue?, principal: Principal) -> ServiceReply? {
        guard let account, account != .null else { return nil }
        guard case .object = account else {
            return Self.failure(400, AdCPError(.invalidRequest, "account must be an object such as {\"account_id\": \"…\"}", field: "account"))
        }
        guard let id = account["account_id"]?.stringValue else {
            return Self.failure(404, AdCPError(
                .accountNotFound,
                "This server resolves accounts by account_id only; pass {\"account_id\": \"\(principal.accountID)\"} or omit account",
                field: "account"))
        }
        guard id == principal.accountID else {
            return Self.failure(403, AdCPError(
                .permissionDenied, "This API key does not have access to account '\(id)'", field: "account.account_id"))
        }
        return nil
    }

    /// Decodes a small JSON request, naming the field of a type mismatch.
    /// The body is first read by the strict reader, which every door shares:
    /// Foundation's decoder would let a byte-order mark, UTF-16, trailing
    /// commas or a repeated member through.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from body: [UInt8]) -> Result<T, AdCPError> {
        do throws(JSONSyntaxError) {
            try JSONReader.validate(body)
        } catch {
            return .failure(syntaxError(error))
        }
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

/// The AdCP sync_event_sources success body.
struct SyncEventSourcesResponse: Encodable {
    var event_sources: [EventSourceResult]
    var context: JSONValue?
}

/// One source in a sync_event_sources answer, in AdCP field names.
struct EventSourceResult: Encodable {
    var event_source_id: String
    var name: String?
    var event_types: [EventType]?
    var value_currencies: [String]?
    var action_source: ActionSource?
    var allowed_domains: [String]?
    var surface: JSONValue?
    var managed_by: EventSource.ManagedBy?
    var setup: Setup?
    var action: EventSourceSync.Action?
    var health: JSONValue?
    var errors: [AdCPError]?
    var ext: JSONValue?

    struct Setup: Encodable {
        var snippet_type = "server_only"
        var instructions: String
    }

    init(_ entry: EventSourceSync.Entry, baseURL: String) {
        event_source_id = entry.eventSourceID
        action = entry.action
        errors = entry.errors.isEmpty ? nil : entry.errors
        guard let source = entry.source else { return }
        let c = source.config
        name = c.name
        event_types = c.eventTypes
        value_currencies = c.valueCurrencies
        action_source = c.actionSource
        allowed_domains = c.allowedDomains
        surface = c.surface
        ext = c.ext
        managed_by = source.managedBy
        if entry.action != .deleted {
            setup = Setup(instructions: Self.instructions(sourceID: source.eventSourceID, baseURL: baseURL))
        }
    }

    static func instructions(sourceID: String, baseURL: String) -> String {
        "Send events server-to-server: POST \(baseURL)/agentic/v1/capi with header 'Authorization: Bearer <API key>' and a JSON body {\"event_source_id\": \"\(sourceID)\", \"events\": [...]} (AdCP log_event). Agents can call the log_event tool at \(baseURL)/mcp instead. Pass the sc3clid from landing-page URLs as user_match.click_id with click_id_type 'sc3clid'."
    }
}
