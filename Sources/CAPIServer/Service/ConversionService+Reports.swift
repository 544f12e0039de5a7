import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    /// AdCP `get_media_buy_delivery`: the caller's media buys, with outcomes.
    public func mediaBuyDelivery(
        body: [UInt8], principal: Principal, logger: Logger
    ) async -> ServiceAnswer<MediaBuyDeliveryResponse> {
        if let e = principal.refusal(unless: .account) { return Self.failure(.forbidden, e) }
        struct Request: Decodable {
            var account: JSONValue?
            var media_buy_ids: [String]?
            var start_date: String?
            var end_date: String?
            var include_package_daily_breakdown: Bool?
            var context: JSONValue?
        }
        let request: Request
        switch Self.decodeJSON(Request.self, from: body.isEmpty ? Array("{}".utf8) : body) {
        case .success(let r): request = r
        case .failure(let e): return .failed(e)
        }
        if let e = checkAccount(request.account, principal: principal) { return .failed(e) }
        let range: (from: Int64?, to: Int64?)
        switch Self.dateRange(from: request.start_date, to: request.end_date, fromField: "start_date", toField: "end_date") {
        case .success(let r): range = r
        case .failure(let e): return Self.failure(.invalid, e)
        }
        do {
            let owned = try await store.mediaBuys(accountID: principal.accountID)
            var buys = owned
            var errors: [AdCPError] = []
            if let ids = request.media_buy_ids {
                let byID = Dictionary(owned.map { ($0.media_buy_id, $0) }, uniquingKeysWith: { a, _ in a })
                buys = []
                for (i, id) in ids.enumerated() {
                    if let buy = byID[id] { buys.append(buy) } else {
                        errors.append(AdCPError(.mediaBuyNotFound, "No media buy \(id) on this account", field: "media_buy_ids[\(i)]"))
                    }
                }
            }
            let facts = try await store.deliveryFacts(accountID: principal.accountID, mediaBuyIDs: buys.map(\.media_buy_id), from: range.from, to: range.to)
            let now = nowMilliseconds
            let currency = buys.first?.currency ?? "USD"
            var aggregate = DeliveryMetrics()
            for buy in buys where buy.currency == currency {
                aggregate.add(facts, mediaBuyID: buy.media_buy_id, currency: currency)
            }
            return .done(MediaBuyDeliveryResponse(
                reporting_period: .init(
                    start: RFC3339.format(milliseconds: range.from ?? Self.earliest(buys) ?? now),
                    end: RFC3339.format(milliseconds: range.to ?? now)),
                currency: currency,
                aggregated_totals: .init(aggregate, mediaBuyCount: buys.count),
                media_buy_deliveries: buys.map { buy in
                    DeliveryReport.adcpDelivery(
                        buy: buy, facts: facts, status: Self.status(of: buy, now: now),
                        dailyBreakdown: request.include_package_daily_breakdown ?? false)
                },
                errors: errors.isEmpty ? nil : errors.map(Self.listedError),
                context: request.context))
        } catch {
            return .failed(Self.unavailable(error, operation: "get_media_buy_delivery", logger: logger))
        }
    }

    /// `GET /agentic/v1/reports/delivery`: rows grouped by day, package, creative, event type; JSON or CSV.
    public func deliveryRows(
        mediaBuyIDs: [String], from: String?, to: String?, groupBy: String?, format: String?, principal: Principal,
        logger: Logger
    ) async -> ServiceAnswer<DeliveryRowsResponse> {
        if let e = principal.refusal(unless: .account) { return Self.failure(.forbidden, e) }
        guard !mediaBuyIDs.isEmpty else {
            return Self.failure(.invalid, AdCPError(.invalidRequest, "media_buy_id is required", field: "media_buy_id"))
        }
        if let refusal = Self.checkIDs(mediaBuyIDs.map { ($0, "media_buy_id", .path) }) { return .failed(refusal) }
        var dimensions: [DeliveryReport.Dimension] = []
        for name in (groupBy ?? "package").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let d = DeliveryReport.Dimension(rawValue: name) else {
                return Self.failure(.invalid, AdCPError(.invalidRequest, "group_by takes day, package, creative and event_type; '\(name)' is not one", field: "group_by"))
            }
            if !dimensions.contains(d) { dimensions.append(d) }
        }
        let csv: Bool
        switch format ?? "json" {
        case "json": csv = false
        case "csv": csv = true
        default: return Self.failure(.invalid, AdCPError(.invalidRequest, "format must be json or csv", field: "format"))
        }
        let range: (from: Int64?, to: Int64?)
        switch Self.dateRange(from: from, to: to, fromField: "from", toField: "to") {
        case .success(let r): range = r
        case .failure(let e): return Self.failure(.invalid, e)
        }
        do {
            var buys: [MediaBuy] = []
            for id in mediaBuyIDs {
                guard let buy = try await store.mediaBuy(accountID: principal.accountID, id: id) else {
                    return Self.failure(.notFound, AdCPError(.mediaBuyNotFound, "No media buy \(id) on this account", field: "media_buy_id"))
                }
                buys.append(buy)
            }
            let facts = try await store.deliveryFacts(accountID: principal.accountID, mediaBuyIDs: mediaBuyIDs, from: range.from, to: range.to)
            let spendApplies = !dimensions.contains(.eventType)
            if csv {
                var text = DeliveryReport.csvColumns.joined(separator: ",") + "\r\n"
                for buy in buys {
                    for row in DeliveryReport.rows(buy: buy, facts: facts, groupBy: dimensions) {
                        text += DeliveryReport.csvFields(row, currency: buy.currency, spendApplies: spendApplies)
                            .map(Self.csvEscape).joined(separator: ",") + "\r\n"
                    }
                }
                return .done(DeliveryRowsResponse(group_by: [], from: nil, to: nil, reports: [], csv: text))
            }
            let reports = buys.map { buy in
                var totals = DeliveryMetrics()
                totals.add(facts, mediaBuyID: buy.media_buy_id, currency: buy.currency)
                let rows = DeliveryReport.rows(buy: buy, facts: facts, groupBy: dimensions).map {
                    DeliveryRowsResponse.Row($0, spendApplies: spendApplies)
                }
                return DeliveryRowsResponse.Report(
                    media_buy_id: buy.media_buy_id, currency: buy.currency, totals: AdCPDeliveryMetrics(totals, breakdowns: true),
                    rows: rows)
            }
            return .done(DeliveryRowsResponse(
                group_by: dimensions.map(\.rawValue),
                from: range.from.map { RFC3339.format(milliseconds: $0) },
                to: range.to.map { RFC3339.format(milliseconds: $0) },
                reports: reports))
        } catch {
            return .failed(Self.unavailable(error, operation: "delivery_report", logger: logger))
        }
    }

    static func dateRange(from: String?, to: String?, fromField: String, toField: String) -> Result<(from: Int64?, to: Int64?), AdCPError> {
        var start: Int64?, end: Int64?
        if let from {
            guard let v = DeliveryReport.instant(from) else {
                return .failure(AdCPError(.invalidRequest, "\(fromField) must be a date (YYYY-MM-DD) or an RFC 3339 timestamp", field: fromField))
            }
            start = v
        }
        if let to {
            guard let v = DeliveryReport.instant(to) else {
                return .failure(AdCPError(.invalidRequest, "\(toField) must be a date (YYYY-MM-DD) or an RFC 3339 timestamp", field: toField))
            }
            end = v
        }
        if let start, let end, end <= start {
            return .failure(AdCPError(.invalidRequest, "\(toField) must be later than \(fromField)", field: toField))
        }
        return .success((start, end))
    }

    /// active, pending_start or completed, from the buy's flight.
    static func status(of buy: MediaBuy, now: Int64) -> String {
        if let start = buy.start_time.flatMap(RFC3339.parseMilliseconds), now < start { return "pending_start" }
        if let end = buy.end_time.flatMap(RFC3339.parseMilliseconds), now >= end { return "completed" }
        return "active"
    }

    static func earliest(_ buys: [MediaBuy]) -> Int64? {
        buys.compactMap { $0.start_time.flatMap(RFC3339.parseMilliseconds) }.min()
    }

    /// An error listed beside results: code, message, field and recovery only.
    static func listedError(_ e: AdCPError) -> AdCPError {
        var listed = AdCPError(code: e.code, message: e.message, field: e.field)
        listed.recovery = e.recovery
        return listed
    }

    static func csvEscape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
