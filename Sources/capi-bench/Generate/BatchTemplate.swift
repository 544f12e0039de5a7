/// A request body with fixed-width holes for event ids.
///
/// Generating 10,000 realistic events costs far more than sending them, so a
/// template is built once before timing and each request only rewrites the
/// digits of its event ids in place: every batch is new to the server's dedup
/// index, while the client spends microseconds per batch.
struct BatchTemplate: Sendable {
    /// Digits in each event id's number; enough for client × sequence.
    static let idDigits = 16

    /// The whole body (for MCP, the JSON-RPC envelope around the batch).
    var bytes: [UInt8]
    /// Byte offset of each event's id digits, in event order.
    var idSlots: [Int]
    /// Events whose id repeats an id the previous batch sent.
    let duplicateSlots: [Bool]
    /// For each duplicate slot, the fresh slot of the previous batch it repeats.
    private(set) var sources: [Int]
    /// Spread the ids over the whole key space, as random ids (UUIDs) are,
    /// instead of increasing: each batch then lands all over the dedup index.
    var scatteredIDs = false

    var eventCount: Int { idSlots.count }

    /// `eventTypes[i]` is slot i's event type: the dedup key includes it, so
    /// a repeat must come from a slot of the same type.
    init(bytes: [UInt8], idSlots: [Int], duplicateSlots: [Bool], eventTypes: [String]) {
        self.bytes = bytes
        self.idSlots = idSlots
        self.duplicateSlots = duplicateSlots
        sources = Self.sources(duplicates: duplicateSlots, types: eventTypes)
    }

    private init(bytes: [UInt8], idSlots: [Int], duplicateSlots: [Bool], sources: [Int], scatteredIDs: Bool) {
        self.bytes = bytes
        self.idSlots = idSlots
        self.duplicateSlots = duplicateSlots
        self.sources = sources
        self.scatteredIDs = scatteredIDs
    }

    /// Duplicate slots take the fresh slots of their type in turn (a duplicate
    /// slot's own id in the previous batch was itself a repeat, so it cannot
    /// be the source).
    private static func sources(duplicates: [Bool], types: [String]) -> [Int] {
        var fresh: [String: [Int]] = [:]
        for i in duplicates.indices where !duplicates[i] { fresh[types[i], default: []].append(i) }
        var next: [String: Int] = [:]
        return duplicates.indices.map { i in
            guard duplicates[i], let pool = fresh[types[i]] else { return i }
            let k = next[types[i], default: 0]
            next[types[i]] = k + 1
            return pool[k % pool.count]
        }
    }

    /// The same template moved `count` bytes to the right inside a wrapper.
    func wrapped(prefix: [UInt8], suffix: [UInt8]) -> BatchTemplate {
        BatchTemplate(
            bytes: prefix + bytes + suffix, idSlots: idSlots.map { $0 + prefix.count },
            duplicateSlots: duplicateSlots, sources: sources, scatteredIDs: scatteredIDs)
    }

    /// Writes the ids of batch number `sequence` for client `client` into `body`.
    ///
    /// Event `i` of batch `k` gets number `client·10¹² + k·n + i`; a duplicate
    /// slot of batch `k ≥ 1` reuses the number of a fresh slot of batch `k − 1`,
    /// so the server sees a known share of repeats within the same run. With
    /// `scatteredIDs` that number is then permuted (`scatter`).
    func stamp(_ body: inout [UInt8], client: Int, sequence: Int) {
        let n = idSlots.count
        body.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                let repeatsPrevious = duplicateSlots[i] && sequence > 0
                let batch = repeatsPrevious ? sequence - 1 : sequence
                let slot = repeatsPrevious ? sources[i] : i
                let number = UInt64(client) &* 1_000_000_000_000 &+ UInt64(batch) &* UInt64(n) &+ UInt64(slot)
                Self.writeDigits(scatteredIDs ? Self.scatter(number) : number, into: out, at: idSlots[i])
            }
        }
    }

    /// The id space: `idDigits` decimal digits.
    static let idSpace: UInt64 = 10_000_000_000_000_000

    /// A bijection of the id space (an affine map with a multiplier prime to
    /// 10): distinct numbers stay distinct, consecutive ones land far apart.
    static func scatter(_ number: UInt64) -> UInt64 {
        let product = number.multipliedFullWidth(by: 6_029_254_386_353_131)
        let (sum, carry) = product.low.addingReportingOverflow(1_234_567_890_123)
        return idSpace.dividingFullWidth((product.high + (carry ? 1 : 0), sum)).remainder
    }

    @inline(__always)
    static func writeDigits(_ value: UInt64, into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var v = value
        var i = offset + idDigits - 1
        while i >= offset {
            out[i] = 0x30 + UInt8(v % 10)
            v /= 10
            i -= 1
        }
    }
}
