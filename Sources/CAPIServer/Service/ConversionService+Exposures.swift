import CAPICore
import CAPIStore
import Foundation

extension ConversionService {
    /// What a signed click or impression link resolves to.
    public enum LinkOutcome: Sendable {
        /// Recorded; for a click, `redirect` is the landing page with sc3clid.
        case recorded(redirect: String?)
        case refused(ServiceReply)
    }

    /// Records a click or impression from a signed link.
    public func recordLink(
        kind: Exposure.Kind, path: String, mediaBuyID: String, packageID: String, creativeID: String,
        parameters: [(String, String)], clientIP: String?, userAgent: String?
    ) async -> LinkOutcome {
        guard let secret = settings.signingSecret else {
            return .refused(Self.failure(503, AdCPError(
                .serviceUnavailable, "Click and impression links are off: the server has no signing secret (CAPI_SIGNING_SECRET)")))
        }
        guard LinkSigner(secret: secret).verify(path: path, parameters: parameters) else {
            return .refused(Self.failure(403, AdCPError(.permissionDenied, "The link's signature is missing or does not match", field: "sig")))
        }
        do {
            guard let buy = try await store.mediaBuy(id: mediaBuyID),
                  let creative = buy.creative(package: packageID, creative: creativeID) else {
                return .refused(Self.failure(404, AdCPError(
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
                case "cost": cost = Double(value).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
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
            let exposureID = clickID.map { "clk_" + $0 } ?? impressionID.flatMap { MediaBuy.isIdentifier($0) ? $0 : nil }
                ?? "imp_" + Self.mintClickID()
            let exposure = Exposure(
                exposureID: exposureID, kind: kind, accountID: buy.account_id, mediaBuyID: mediaBuyID,
                packageID: packageID, creativeID: creativeID, time: now, cost: cost, clickID: clickID,
                identifiers: identifiers)
            _ = try await store.insertExposures([exposure], receivedAt: now)
            return .recorded(redirect: clickID.map { LandingURL.appending(clickID: $0, to: creative.landing_url) })
        } catch {
            return .refused(Self.unavailable(error))
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
    func storeExposures(body: [UInt8], ndjson: Bool, principal: Principal) async -> ServiceReply {
        if let e = principal.refusal(unless: .platform) { return Self.failure(403, e) }
        let rows: [JSONValue]
        switch Self.exposureRows(body, ndjson: ndjson, limit: settings.maxExposuresPerRequest) {
        case .success(let r): rows = r
        case .failure(let e): return Self.failure(400, e)
        }
        let now = nowMilliseconds
        var buys: [String: MediaBuy?] = [:]
        var accepted: [Exposure] = []
        var failures: [(index: Int, exposureID: String?, error: AdCPError)] = []
        do {
            for (index, row) in rows.enumerated() {
                let buyID = row["media_buy_id"]?.stringValue ?? ""
                if buys[buyID] == nil { buys[buyID] = .some(try await store.mediaBuy(id: buyID)) }
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
                return Self.failure(400, Array(errors), total: failures.count)
            }
            let inserted = accepted.isEmpty ? 0 : try await ingestActivity.during { try await store.insertExposures(accepted, receivedAt: now) }
            var reply: [String: JSONValue] = [
                "exposures_received": .number(Double(rows.count)),
                "exposures_processed": .number(Double(accepted.count)),
                "duplicates": .number(Double(accepted.count - inserted)),
            ]
            if !failures.isEmpty {
                reply["failures"] = .array(shown.map { f in
                    var o: [String: JSONValue] = ["index": .number(Double(f.index)), "code": .string(f.error.code), "message": .string(f.error.message)]
                    if let field = f.error.field { o["field"] = .string(field) }
                    if let id = f.exposureID { o["exposure_id"] = .string(id) }
                    return .object(o)
                })
                reply["failures_total"] = .number(Double(failures.count))
            }
            return ServiceReply(status: 200, body: Array(JSONValue.object(reply).canonicalText.utf8))
        } catch {
            return Self.unavailable(error)
        }
    }

    static func exposureRows(_ body: [UInt8], ndjson: Bool, limit: Int) -> Result<[JSONValue], AdCPError> {
        var rows: [JSONValue] = []
        let tooMany = AdCPError(.invalidRequest, "at most \(limit) exposures per request; split the feed", field: "exposures")
        let invalid = AdCPError(.invalidRequest, invalidJSON)
        return body.withUnsafeBufferPointer { buffer -> Result<[JSONValue], AdCPError> in
            var reader = JSONReader(buffer)
            do throws(JSONSyntaxError) {
                if ndjson {
                    while true {
                        reader.skipWhitespace()
                        if reader.offset >= buffer.count { break }
                        rows.append(try reader.readValue())
                        if rows.count > limit { return .failure(tooMany) }
                    }
                } else {
                    guard try reader.peekKind() == .array else {
                        return .failure(AdCPError(.invalidRequest, "the body must be a JSON array of exposures, or NDJSON with Content-Type application/x-ndjson"))
                    }
                    var over = false
                    try reader.readArray { (r, i) throws(JSONSyntaxError) in
                        if i >= limit { over = true; try r.skipValue() } else { rows.append(try r.readValue()) }
                    }
                    try reader.expectEnd()
                    if over { return .failure(tooMany) }
                }
            } catch {
                var e = invalid
                e.suggestion = "\(error.message) at byte \(error.offset)"
                return .failure(e)
            }
            return .success(rows)
        }
    }

    /// One feed row, checked: ids, the buy it names, time, cost and identifiers.
    static func exposure(
        from row: JSONValue, index: Int, buy: MediaBuy?, principal: Principal, now: Int64, maxSkew: Int64
    ) -> Result<Exposure, AdCPError> {
        func fail(_ field: String, _ message: String, _ code: ErrorCode = .validationError) -> Result<Exposure, AdCPError> {
            .failure(AdCPError(code, message, field: field))
        }
        guard case .object = row else { return fail("", "each exposure must be an object") }
        guard let exposureID = row["exposure_id"]?.stringValue, MediaBuy.isIdentifier(exposureID) || (1...256).contains(exposureID.utf8.count) else {
            return fail("exposure_id", "exposure_id is required: a string of 1 to 256 characters")
        }
        guard let kindName = row["type"]?.stringValue, let kind = Exposure.Kind(rawValue: kindName) else {
            return fail("type", "type must be 'impression' or 'click'")
        }
        guard let buy, principal.mayServe(account: buy.account_id) else {
            return fail("media_buy_id", "media buy '\(row["media_buy_id"]?.stringValue ?? "")' is not registered; PUT it to /agentic/v1/media-buys first", .referenceNotFound)
        }
        let packageID = row["package_id"]?.stringValue ?? ""
        let creativeID = row["creative_id"]?.stringValue ?? ""
        guard buy.packages.contains(where: { $0.package_id == packageID }) else {
            return fail("package_id", "package '\(packageID)' is not part of media buy \(buy.media_buy_id)", .referenceNotFound)
        }
        guard buy.creative(package: packageID, creative: creativeID) != nil else {
            return fail("creative_id", "creative '\(creativeID)' is not in package \(packageID) of media buy \(buy.media_buy_id)", .referenceNotFound)
        }
        guard let timeText = row["time"]?.stringValue, let time = RFC3339.parseMilliseconds(timeText) else {
            return fail("time", "time must be an RFC 3339 timestamp with an offset")
        }
        guard time <= now + maxSkew else { return fail("time", "time is in the future") }
        var cost: Double?
        if let c = row["cost"], c != .null {
            guard case .number(let n) = c, n >= 0 else { return fail("cost", "cost must be a number, 0 or more, in the media buy's currency") }
            cost = n
        }
        var match = IncomingUserMatch()
        match.hashedEmail = row["hashed_email"]?.stringValue
        match.hashedPhone = row["hashed_phone"]?.stringValue
        match.clientIP = row["client_ip"]?.stringValue
        match.clientUserAgent = row["client_user_agent"]?.stringValue
        if case .array(let list)? = row["uids"] {
            match.uids = list.map { IncomingUID(type: $0["type"]?.stringValue, value: $0["value"]?.stringValue) }
        }
        var identifiers = Identifiers()
        if match != IncomingUserMatch() {
            switch EventValidator.identifiers(match, field: "") {
            case .success(let ids): identifiers = ids
            case .failure(let e):
                // An exposure without matchable identifiers still counts for delivery.
                if e.field != "" { return .failure(e) }
                identifiers.clientIP = match.clientIP
                identifiers.clientUserAgent = match.clientUserAgent
            }
        }
        var clickID: String?
        if let id = row["click_id"]?.stringValue {
            guard kind == .click else { return fail("click_id", "only clicks carry a click_id") }
            clickID = id
        }
        return .success(Exposure(
            exposureID: exposureID, kind: kind, accountID: buy.account_id, mediaBuyID: buy.media_buy_id,
            packageID: packageID, creativeID: creativeID, time: time, cost: cost, clickID: clickID,
            identifiers: identifiers))
    }
}
