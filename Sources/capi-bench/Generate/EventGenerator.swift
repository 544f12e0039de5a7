import CAPICore
import Foundation

/// Builds realistic log_event batches: the field mix a website purchase
/// pixel sends through a server-side tag.
struct EventGenerator {
    var rng: SplitMix64
    /// Prefix of every event id of this run, so reruns against one server stay new.
    var runTag: String
    var eventSourceID: String
    var duplicateShare: Double
    /// Milliseconds since the epoch; event times fall in the three days before.
    var now: Int64

    private static let types = ["purchase", "purchase", "purchase", "add_to_cart", "lead"]
    private static let currencies = ["USD", "USD", "EUR", "GBP"]
    private static let paths = ["checkout/done", "cart", "signup/thanks", "order/complete"]
    private static let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15",
    ]

    init(seed: UInt64, runTag: String, eventSourceID: String, duplicateShare: Double, now: Int64) {
        rng = SplitMix64(seed: seed)
        self.runTag = runTag
        self.eventSourceID = eventSourceID
        self.duplicateShare = duplicateShare
        self.now = now
    }

    /// A log_event request body of `count` events, as a stampable template.
    mutating func template(count: Int) -> BatchTemplate {
        var out: [UInt8] = []
        out.reserveCapacity(count * 700 + 64)
        out.append(contentsOf: #"{"event_source_id":"\#(eventSourceID)","events":["#.utf8)
        var slots: [Int] = []
        var duplicates: [Bool] = []
        var types: [String] = []
        slots.reserveCapacity(count)
        duplicates.reserveCapacity(count)
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"event_id":"\#(runTag)-"#.utf8)
            slots.append(out.count)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: BatchTemplate.idDigits))
            duplicates.append(Double.random(in: 0..<1, using: &rng) < duplicateShare)
            let type = pick(Self.types)
            types.append(type)
            out.append(contentsOf: eventTail(type: type).utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return BatchTemplate(bytes: out, idSlots: slots, duplicateSlots: duplicates, eventTypes: types)
    }

    /// Everything of one event after its id's digits.
    private mutating func eventTail(type: String) -> String {
        let time = RFC3339.format(milliseconds: now - Int64.random(in: 60_000..<3 * 86_400_000, using: &rng))
        let value = Double(Int.random(in: 500..<50_000, using: &rng)) / 100
        let price1 = Double(Int.random(in: 100..<20_000, using: &rng)) / 100
        let price2 = Double(Int.random(in: 100..<5_000, using: &rng)) / 100
        return "\","
            + #""event_type":"\#(type)","event_time":"\#(time)","action_source":"website","#
            + #""event_source_url":"https://shop.example.com/\#(pick(Self.paths))","#
            + #""user_match":{"uids":[{"type":"rampid","value":"XY\#(alnum(20))"},{"type":"id5","value":"ID5*\#(alnum(16))"}],"#
            + #""hashed_email":"\#(hex(64))","click_id":"\#(alnum(16))","click_id_type":"sc3clid","#
            + #""client_ip":"\#(Int.random(in: 1...223, using: &rng)).\#(Int.random(in: 0...255, using: &rng)).\#(Int.random(in: 0...255, using: &rng)).\#(Int.random(in: 1...254, using: &rng))","#
            + #""client_user_agent":"\#(pick(Self.agents))"},"#
            + #""custom_data":{"value":\#(value),"currency":"\#(pick(Self.currencies))","order_id":"ORD-\#(Int.random(in: 10_000_000..<99_999_999, using: &rng))","#
            + #""contents":[{"id":"SKU-\#(Int.random(in: 1000..<9999, using: &rng))","quantity":1,"price":\#(price1)},"#
            + #"{"id":"SKU-\#(Int.random(in: 1000..<9999, using: &rng))","quantity":\#(Int.random(in: 1...4, using: &rng)),"price":\#(price2)}]}}"#
    }

    private mutating func pick(_ options: [String]) -> String {
        options[Int.random(in: 0..<options.count, using: &rng)]
    }

    private mutating func hex(_ n: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<n).map { _ in digits[Int(rng.next() & 15)] }, as: UTF8.self)
    }

    private mutating func alnum(_ n: Int) -> String {
        let digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return String(decoding: (0..<n).map { _ in digits[Int(rng.next() % 62)] }, as: UTF8.self)
    }
}
