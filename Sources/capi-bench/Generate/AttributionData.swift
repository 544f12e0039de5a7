import CAPICore

/// The data set of measure (4): conversions and the exposure feed they are
/// attributed against, with a known answer.
///
/// Conversion `i` falls in one of three classes by `i % 10`:
/// - 0–1 (20 %) carry an sc3clid that a click in the feed minted, 10 minutes
///   to 27 days before the conversion (inside the 28-day post-click window);
/// - 2–5 (40 %) share a rampid uid (even `i`) or a hashed email (odd `i`) with
///   one exposure: a click 1 hour to 27 days before (`i % 4 < 2`), else an
///   impression 1 minute to 23 hours before (inside the 1-day post-view
///   window). Each also has two impressions of the same identifier 2 to 27
///   days before, outside the post-view window, as distractors;
/// - 6–9 (40 %) match nothing: their own uid and email, an IP from a range
///   no exposure uses, and for half of them a gclid (another platform's click
///   id, which capi never matches).
/// The rest of the feed (about 86 % of 1,000,000) is other users' impressions
/// (90 %) and clicks (10 %) over the last 30 days, each with a rampid, a hashed
/// email, an IP and a user agent. So exactly the 60 % of classes 0–5 are
/// attributed, and every conversion is looked up against a feed of realistic size.
struct AttributionData {
    let conversions: Int
    let exposures: Int
    /// Milliseconds since the epoch; conversions fall in the three days before.
    let now: Int64
    let seed: UInt64

    static let mediaBuyID = "bench-mb"
    static let mediaBuyBody = #"{"account_id":"bench","currency":"USD","packages":[{"package_id":"p1","creatives":[{"creative_id":"c1","landing_url":"https://example.com/"}]}]}"#

    private static let minute: Int64 = 60_000
    private static let hour: Int64 = 3_600_000
    private static let day: Int64 = 86_400_000
    private static let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15",
    ]

    /// Conversions the rules must attribute.
    var expectedAttributed: Int { (0..<conversions).filter { $0 % 10 < 6 }.count }

    /// One conversion's identity, derived from its index alone.
    private struct Person {
        var time: Int64
        var rampid: String
        var email: String
        var clickID: String
        var ip: String
        var agent: String
    }

    private func person(_ i: Int) -> Person {
        var rng = SplitMix64(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) ^ 0xA77)
        let time = now - Int64.random(in: Self.hour..<3 * Self.day, using: &rng)
        return Person(
            time: time, rampid: "XY" + Self.alnum(20, &rng), email: Self.hex(64, &rng), clickID: Self.alnum(22, &rng),
            // Conversions use 100–199.x.x.x; exposures 1–99.x.x.x, so ip_ua never matches by accident.
            ip: "\(Int.random(in: 100...199, using: &rng)).\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 1...254, using: &rng))",
            agent: Self.agents[Int.random(in: 0..<3, using: &rng)])
    }

    // MARK: conversions

    /// log_event bodies of at most `batch` conversions each, in order.
    func conversionBatches(batch: Int) -> [[UInt8]] {
        stride(from: 0, to: conversions, by: batch).map { start in
            var out: [UInt8] = []
            out.reserveCapacity(batch * 600)
            out.append(contentsOf: #"{"event_source_id":"bench","events":["#.utf8)
            for i in start..<min(start + batch, conversions) {
                if i > start { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: conversion(i).utf8)
            }
            out.append(contentsOf: "]}".utf8)
            return out
        }
    }

    private func conversion(_ i: Int) -> String {
        let p = person(i)
        var rng = SplitMix64(seed: seed ^ UInt64(i) ^ 0xC0)
        var match = #""uids":[{"type":"rampid","value":"\#(p.rampid)"}],"hashed_email":"\#(p.email)","#
        switch i % 10 {
        case 0, 1: match += #""click_id":"\#(p.clickID)","click_id_type":"sc3clid","#
        case 6, 7: match += #""click_id":"\#(p.clickID)","click_id_type":"gclid","#
        default: break
        }
        match += #""client_ip":"\#(p.ip)","client_user_agent":"\#(p.agent)""#
        let value = Double(Int.random(in: 500..<50_000, using: &rng)) / 100
        return #"{"event_id":"conv-\#(i)","event_type":"purchase","event_time":"\#(RFC3339.format(milliseconds: p.time))","#
            + #""action_source":"website","event_source_url":"https://shop.example.com/checkout/done","#
            + #""user_match":{\#(match)},"custom_data":{"value":\#(value),"currency":"USD","order_id":"ORD-\#(i)"}}"#
    }

    // MARK: exposures

    /// How many feed rows tie to conversions (the rest is filler).
    private var linkedCount: Int {
        var n = 0
        for i in 0..<conversions {
            switch i % 10 {
            case 0, 1: n += 1
            case 2...5: n += 3
            default: break
            }
        }
        return n
    }

    /// NDJSON bodies of at most `chunk` exposures each. Rows tied to
    /// conversions are spread evenly through the feed among the filler.
    func exposureChunks(chunk: Int) -> [[UInt8]] {
        let total = max(exposures, linkedCount)
        let linked = linkedCount
        var rng = SplitMix64(seed: seed ^ 0xE0)
        var chunks: [[UInt8]] = []
        var out: [UInt8] = []
        var row = 0
        var conversion = 0
        var pendingLinked: [String] = []
        var linkedEmitted = 0
        func flushIfFull() {
            if row % chunk == 0, !out.isEmpty {
                chunks.append(out)
                out = []
                out.reserveCapacity(chunk * 330)
            }
        }
        out.reserveCapacity(min(chunk, total) * 330)
        while row < total {
            // Emit a linked row when the linked share so far is behind.
            let wantLinked = linkedEmitted < linked && (Int64(linkedEmitted) * Int64(total) <= Int64(row) * Int64(linked))
            let line: String
            if wantLinked {
                while pendingLinked.isEmpty, conversion < conversions {
                    pendingLinked = linkedRows(conversion)
                    conversion += 1
                }
                line = pendingLinked.removeFirst()
                linkedEmitted += 1
            } else {
                line = fillerRow(row, &rng)
            }
            out.append(contentsOf: line.utf8)
            out.append(UInt8(ascii: "\n"))
            row += 1
            flushIfFull()
        }
        if !out.isEmpty { chunks.append(out) }
        return chunks
    }

    private func linkedRows(_ i: Int) -> [String] {
        let p = person(i)
        var rng = SplitMix64(seed: seed ^ UInt64(i) ^ 0x11)
        switch i % 10 {
        case 0, 1:
            let t = p.time - Int64.random(in: 10 * Self.minute..<27 * Self.day, using: &rng)
            return [row(id: "lc-\(i)", click: true, time: t, clickID: p.clickID, ids: "", &rng)]
        case 2...5:
            let ids = i % 2 == 0
                ? #""uids":[{"type":"rampid","value":"\#(p.rampid)"}],"#
                : #""hashed_email":"\#(p.email)","#
            let click = i % 4 < 2
            let t = click
                ? p.time - Int64.random(in: Self.hour..<27 * Self.day, using: &rng)
                : p.time - Int64.random(in: Self.minute..<23 * Self.hour, using: &rng)
            return [
                row(id: "lm-\(i)", click: click, time: t, clickID: click ? Self.alnum(22, &rng) : nil, ids: ids, &rng),
                row(id: "ld-\(i)-a", click: false, time: p.time - Int64.random(in: 2 * Self.day..<27 * Self.day, using: &rng), clickID: nil, ids: ids, &rng),
                row(id: "ld-\(i)-b", click: false, time: p.time - Int64.random(in: 2 * Self.day..<27 * Self.day, using: &rng), clickID: nil, ids: ids, &rng),
            ]
        default:
            return []
        }
    }

    private func fillerRow(_ n: Int, _ rng: inout SplitMix64) -> String {
        let click = rng.next() % 10 == 0
        let ids = #""uids":[{"type":"rampid","value":"XY\#(Self.alnum(20, &rng))"}],"hashed_email":"\#(Self.hex(64, &rng))","#
        let t = now - Int64.random(in: Self.minute..<30 * Self.day, using: &rng)
        return row(id: "f-\(n)", click: click, time: t, clickID: click ? Self.alnum(22, &rng) : nil, ids: ids, &rng)
    }

    private func row(id: String, click: Bool, time: Int64, clickID: String?, ids: String, _ rng: inout SplitMix64) -> String {
        let ip = "\(Int.random(in: 1...99, using: &rng)).\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 1...254, using: &rng))"
        let cost = click ? "0.5" : "0.002"
        var text = #"{"exposure_id":"\#(id)","type":"\#(click ? "click" : "impression")","media_buy_id":"\#(Self.mediaBuyID)","#
            + #""package_id":"p1","creative_id":"c1","time":"\#(RFC3339.format(milliseconds: time))","cost":\#(cost),"#
        if let clickID { text += #""click_id":"\#(clickID)","# }
        text += ids
        text += #""client_ip":"\#(ip)","client_user_agent":"\#(Self.agents[Int(rng.next() % 3)])"}"#
        return text
    }

    private static func hex(_ n: Int, _ rng: inout SplitMix64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<n).map { _ in digits[Int(rng.next() & 15)] }, as: UTF8.self)
    }

    private static func alnum(_ n: Int, _ rng: inout SplitMix64) -> String {
        let digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return String(decoding: (0..<n).map { _ in digits[Int(rng.next() % 62)] }, as: UTF8.self)
    }
}
