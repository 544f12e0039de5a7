/// Finds an enum case by its name without hashing: names are bucketed by
/// length, then compared, which for these short ASCII names is a couple of
/// word compares. Runs several times per event (`init(rawValue:)` compares
/// every case in turn; a dictionary hashes the whole name).
struct CaseNames<Value: Sendable>: Sendable {
    private let buckets: [[(name: String, value: Value)]]

    init(_ pairs: [(String, Value)]) {
        var buckets: [[(name: String, value: Value)]] = Array(repeating: [], count: (pairs.map(\.0.utf8.count).max() ?? 0) + 1)
        for (name, value) in pairs { buckets[name.utf8.count].append((name, value)) }
        self.buckets = buckets
    }

    subscript(_ name: String) -> Value? {
        let n = name.utf8.count
        guard n < buckets.count else { return nil }
        for entry in buckets[n] where entry.name == name { return entry.value }
        return nil
    }
}

extension CaseNames where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
    init() { self.init(Value.allCases.map { ($0.rawValue, $0) }) }
}
