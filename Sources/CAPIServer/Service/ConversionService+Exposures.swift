import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    /// What a signed click or impression link resolves to.
    public enum LinkOutcome: Sendable {
        /// Recorded; for a click, `redirect` is the landing page with sc3clid.
        case recorded(redirect: String?)
        case refused(ServiceFailure)
    }

    /// Records a click or impression from a signed link.
    public func recordLink(
        kind: Exposure.Kind, path: String, mediaBuyID: String, packageID: String, creativeID: String,
        parameters: [(String, String)], clientIP: String?, userAgent: String?, logger: Logger
    ) async -> LinkOutcome {
        guard let secret = settings.signingSecret else {
            return .refused(ServiceFailure(.unavailable, AdCPError(
                .serviceUnavailable, "Click and impression links are off: the server has no signing secret (CAPI_SIGNING_SECRET)")))
        }
        guard LinkSigner(secret: secret).verify(path: path, parameters: parameters) else {
            return .refused(.forbidden(AdCPError(.permissionDenied, "The link's signature is missing or does not match", field: "sig")))
        }
        guard IdentifierRule.path.allows(mediaBuyID), IdentifierRule.path.allows(packageID), IdentifierRule.path.allows(creativeID) else {
            return .refused(.notFound(AdCPError(.referenceNotFound, "No such creative: the link's ids are not valid ids")))
        }
        do {
            guard let buy = try await findMediaBuy(id: mediaBuyID),
                  let creative = buy.creative(package: packageID, creative: creativeID) else {
                return .refused(.notFound(AdCPError(
                    .referenceNotFound, "No creative \(creativeID) in package \(packageID) of media buy \(mediaBuyID)")))
            }
            let now = nowMilliseconds
            var match = IncomingUserMatch()
            var uids: [IncomingUID] = []
            var cost: Double?
            var impressionID: String?
            for (name, value) in parameters {
                switch name {
                case "hashed_email": match.hashedEmail = value
                case "hashed_phone": match.hashedPhone = value
                case "cost": cost = Double(value).flatMap { (0...AmountLimits.maxMoney).contains($0) ? $0 : nil }
                case "imp": impressionID = value
                default:
                    if name.hasPrefix("uid.") { uids.append(IncomingUID(type: String(name.dropFirst(4)), value: value)) }
                }
            }
            if !uids.isEmpty { match.uids = uids }
            match.clientIP = clientIP
            match.clientUserAgent = userAgent
            // A malformed identifier is dropped, never a reason to break the user's click.
            let identifiers = (try? EventValidator.identifiers(match, field: "").get()) ?? {
                var ids = Identifiers()
                ids.clientIP = clientIP
                ids.clientUserAgent = userAgent
                return ids
            }()
            let clickID = kind == .click ? Self.mintClickID() : nil
            let exposureID = clickID.map { "clk_" + $0 } ?? impressionID.flatMap { IdentifierRule.name.allows($0) ? $0 : nil }
                ?? "imp_" + Self.mintClickID()
            let exposure = Exposure(
                exposureID: exposureID, kind: kind, accountID: buy.account_id, mediaBuyID: mediaBuyID,
                packageID: packageID, creativeID: creativeID, time: now, cost: cost, clickID: clickID,
                identifiers: identifiers)
            _ = try await store.insertExposures([exposure], receivedAt: now)
            return .recorded(redirect: clickID.map { LandingURL.appending(clickID: $0, to: creative.landing_url) })
        } catch {
            return .refused(Self.unavailable(error, operation: "record_link", logger: logger))
        }
    }

    /// 128 random bits, URL-safe: the sc3clid a click carries to the landing page.
    static func mintClickID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return APIKey.base64URL(bytes)
    }

    /// `POST /agentic/v1/exposures`: a JSON array or NDJSON of impressions and clicks.
    /// Measured by `ingestExposures` (`ConversionService+Metrics`).
    func storeExposures(
        body: [UInt8], ndjson: Bool, principal: Principal, logger: Logger
    ) async -> ServiceAnswer<ExposureFeedResponse> {
        if let e = principal.refusal(unless: .platform) { return Self.failure(.forbidden, e) }
        let rows: [JSONValue]
        switch ExposureFeed.rows(body, ndjson: ndjson, limit: settings.maxExposuresPerRequest) {
        case .success(let r): rows = r
        case .failure(.syntax(let e)): return Self.failure(.invalid, Self.syntaxError(e))
        case .failure(.invalid(let e)): return Self.failure(.invalid, e)
        }
        let now = nowMilliseconds
        var buys: [String: MediaBuy?] = [:]
        var accepted: [Exposure] = []
        var failures: [(index: Int, exposureID: String?, error: AdCPError)] = []
        do {
            for (index, row) in rows.enumerated() {
                let buyID = row["media_buy_id"]?.stringValue ?? ""
                if buys[buyID] == nil, IdentifierRule.path.allows(buyID) { buys[buyID] = .some(try await findMediaBuy(id: buyID)) }
                switch Self.exposure(from: row, index: index, buy: buys[buyID] ?? nil, principal: principal, now: now, maxSkew: settings.maxFutureSkewSeconds * 1000) {
                case .success(let e): accepted.append(e)
                case .failure(let e): failures.append((index, row["exposure_id"]?.stringValue, e))
                }
            }
            let shown = failures.prefix(settings.maxReportedFailures)
            if accepted.isEmpty && !rows.isEmpty {
                // Nothing usable: the AdCP error shape, each field named by its row.
                let errors = shown.map { f in
                    AdCPError(code: f.error.code, message: f.error.message,
                              field: "exposures[\(f.index)]" + (f.error.field.map { $0.isEmpty ? "" : "." + $0 } ?? ""))
                }
                return Self.failure(.invalid, Array(errors), total: failures.count)
            }
            let inserted = accepted.isEmpty ? 0 : try await ingestActivity.during { try await store.insertExposures(accepted, receivedAt: now) }
            return .done(ExposureFeedResponse(
                exposures_received: rows.count, exposures_processed: accepted.count,
                duplicates: accepted.count - inserted,
                failures: failures.isEmpty ? nil : shown.map { ExposureFeedResponse.Failure(index: $0.index, exposureID: $0.exposureID, error: $0.error) },
                failures_total: failures.isEmpty ? nil : failures.count))
        } catch {
            return .failed(Self.unavailable(error, operation: "ingest_exposures", logger: logger))
        }
    }

    /// One feed row, checked: ids, the buy it names, time, cost and
    /// identifiers, each of the type it must be (a wrong type fails the row,
    /// as in log_event; null is an absent field).
    static func exposure(
        from row: JSONValue, index: Int, buy: MediaBuy?, principal: Principal, now: Int64, maxSkew: Int64
    ) -> Result<Exposure, AdCPError> {
        guard case .object(let fields) = row else {
            return .failure(AdCPError(.validationError, "each exposure must be an object", field: ""))
        }
        do throws(AdCPError) {
            let row = ExposureRow(fields)
            let exposureID = try row.id("exposure_id", .name)
            guard let kindName = try row.string("type"), let kind = Exposure.Kind(rawValue: kindName) else {
                throw AdCPError(.validationError, "type must be 'impression' or 'click'", field: "type")
            }
            let mediaBuyID = try row.id("media_buy_id", .path)
            let packageID = try row.id("package_id", .path)
            let creativeID = try row.id("creative_id", .path)
            guard let buy, principal.mayServe(account: buy.account_id) else {
                throw AdCPError(.referenceNotFound, "media buy '\(mediaBuyID)' is not registered; PUT it to /agentic/v1/media-buys first", field: "media_buy_id")
            }
            guard buy.packages.contains(where: { $0.package_id == packageID }) else {
                throw AdCPError(.referenceNotFound, "package '\(packageID)' is not part of media buy \(buy.media_buy_id)", field: "package_id")
            }
            guard buy.creative(package: packageID, creative: creativeID) != nil else {
                throw AdCPError(.referenceNotFound, "creative '\(creativeID)' is not in package \(packageID) of media buy \(buy.media_buy_id)", field: "creative_id")
            }
            guard let timeText = try row.string("time"), let time = RFC3339.parseMilliseconds(timeText) else {
                throw AdCPError(.validationError, "time must be an RFC 3339 timestamp with an offset", field: "time")
            }
            guard time <= now + maxSkew else { throw AdCPError(.validationError, "time is in the future", field: "time") }
            let cost = try row.number("cost")
            if let cost, !(0...AmountLimits.maxMoney).contains(cost) {
                throw AdCPError(.validationError, "cost must be \(AmountLimits.moneyRange), in the media buy's currency", field: "cost")
            }
            var match = IncomingUserMatch()
            match.hashedEmail = try row.string("hashed_email")
            match.hashedPhone = try row.string("hashed_phone")
            match.clientIP = try row.string("client_ip")
            match.clientUserAgent = try row.string("client_user_agent")
            match.uids = try row.uids()
            let identifiers = try Self.exposureIdentifiers(match)
            let clickID = try row.string("click_id")
            if let clickID {
                guard kind == .click else { throw AdCPError(.validationError, "only clicks carry a click_id", field: "click_id") }
                guard IdentifierRule.token.allows(clickID) else {
                    throw AdCPError(.validationError, "click_id must be \(IdentifierRule.token.requirement)", field: "click_id")
                }
            }
            return .success(Exposure(
                exposureID: exposureID, kind: kind, accountID: buy.account_id, mediaBuyID: buy.media_buy_id,
                packageID: packageID, creativeID: creativeID, time: time, cost: cost, clickID: clickID,
                identifiers: identifiers))
        } catch {
            return .failure(error)
        }
    }

    /// An exposure's identifiers under log_event's rules; one with none
    /// that can match still counts for delivery.
    static func exposureIdentifiers(_ match: IncomingUserMatch) throws(AdCPError) -> Identifiers {
        var identifiers = Identifiers()
        guard match != IncomingUserMatch() else { return identifiers }
        switch EventValidator.identifiers(match, field: "") {
        case .success(let ids): identifiers = ids
        case .failure(let e):
            if e.field != "" { throw e }
            identifiers.clientIP = match.clientIP
            identifiers.clientUserAgent = match.clientUserAgent
        }
        return identifiers
    }
}

/// A feed row's members, read by type: a member of the wrong type is the
/// row's failure, named by its field.
struct ExposureRow {
    let fields: [String: JSONValue]

    init(_ fields: [String: JSONValue]) { self.fields = fields }

    func string(_ name: String) throws(AdCPError) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw AdCPError(.validationError, "\(name) must be a string", field: name)
        }
    }

    func number(_ name: String) throws(AdCPError) -> Double? {
        switch fields[name] {
        case nil, .null?: return nil
        case .number(let n)?: return n
        default: throw AdCPError(.validationError, "\(name) must be a number", field: name)
        }
    }

    /// A required id under `rule`.
    func id(_ name: String, _ rule: IdentifierRule) throws(AdCPError) -> String {
        guard let id = try string(name), rule.allows(id) else {
            throw AdCPError(.validationError, "\(name) is required: \(rule.requirement)", field: name)
        }
        return id
    }

    /// `uids`: an array of `{type, value}` objects of strings, or absent.
    func uids() throws(AdCPError) -> [IncomingUID]? {
        switch fields["uids"] {
        case nil, .null?: return nil
        case .array(let items)?:
            var uids: [IncomingUID] = []
            for (i, item) in items.enumerated() {
                guard case .object(let uid) = item else {
                    throw AdCPError(.validationError, "each uid must be an object with type and value", field: "uids[\(i)]")
                }
                let one = ExposureRow(uid)
                do throws(AdCPError) {
                    uids.append(IncomingUID(type: try one.string("type"), value: try one.string("value")))
                } catch {
                    throw AdCPError(.validationError, error.message, field: "uids[\(i)].\(error.field ?? "")")
                }
            }
            return uids
        default:
            throw AdCPError(.validationError, "uids must be an array of {type, value} objects", field: "uids")
        }
    }
}
