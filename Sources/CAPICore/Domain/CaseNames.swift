/// Finds an enum case by its name without hashing: names are bucketed by
/// length, then compared, which for these short ASCII names is a couple of
/// word compares. Runs several times per event (`init(rawValue:)` compares
/// every case in turn; a dictionary hashes the whole name).
///
/// Names are compared as UTF-8 bytes, straight from an event's text. For
/// these names (lowercase ASCII letters, digits, `_`) that is the same as
/// String equality: no other text is canonically equivalent to them.
struct CaseNames<Value: Sendable>: Sendable {
    private let buckets: [[(name: [UInt8], value: Value)]]

    init(_ pairs: [(String, Value)]) {
        var buckets: [[(name: [UInt8], value: Value)]] = Array(repeating: [], count: (pairs.map(\.0.utf8.count).max() ?? 0) + 1)
        for (name, value) in pairs { buckets[name.utf8.count].append((Array(name.utf8), value)) }
        self.buckets = buckets
    }

    subscript(_ name: String) -> Value? {
        var name = name
        return name.withUTF8 { self[bytes: $0] }
    }

    subscript(bytes name: UnsafeBufferPointer<UInt8>) -> Value? {
        let n = name.count
        guard n < buckets.count else { return nil }
        for entry in buckets[n] where entry.name.withUnsafeBufferPointer({ $0.elementsEqual(name) }) { return entry.value }
        return nil
    }
}

extension CaseNames where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
    init() { self.init(Value.allCases.map { ($0.rawValue, $0) }) }
}
