import ArgumentParser

extension Env {
    static func double(_ name: String) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite else { throw ValidationError("\(name) must be a number, got '\(text)'") }
        return value
    }
}
