import CAPIStore

/// One rule every store must keep, run against a fresh, migrated store.
/// A store's test target runs every check in `StoreConformance.checks`
/// with its own factory, so a new store only adds a factory.
public struct ConformanceCheck: Sendable, CustomStringConvertible {
    public let name: String
    public let run: @Sendable (any ConversionStore) async throws -> Void

    public init(_ name: String, _ run: @escaping @Sendable (any ConversionStore) async throws -> Void) {
        self.name = name
        self.run = run
    }

    public var description: String { name }
}

/// A rule a store broke: what was expected, and where the check said so.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let message: String
    public let file: StaticString
    public let line: UInt

    public var description: String { "\(file):\(line): \(message)" }
}

/// Fails the check unless `condition` holds.
func require(
    _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line
) throws {
    guard condition else { throw ConformanceFailure(message: message(), file: file, line: line) }
}

/// Fails the check unless `actual == expected`, saying both.
func requireEqual<T: Equatable>(
    _ actual: T, _ expected: T, _ what: String, file: StaticString = #filePath, line: UInt = #line
) throws {
    guard actual == expected else {
        throw ConformanceFailure(message: "\(what): expected \(expected), got \(actual)", file: file, line: line)
    }
}
