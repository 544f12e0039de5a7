import CAPIStorePostgres
import Foundation

/// Where the data lives, as `--database` / `CAPI_DATABASE` name it: a
/// SQLite file path (or `sqlite:` followed by one), or a `postgres://` URL.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public static let defaultSQLitePath = "./capi-data/capi.sqlite"

    /// Reads a `--database` value. Throws for a scheme capi has no store for.
    public init(_ text: String) throws(StoreLocationError) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if lowered.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreLocationError(text: "sqlite:", reason: "names no file") }
            self = .sqlite(path: path.hasPrefix("//") ? String(path.dropFirst(2)) : path)
        } else if let scheme = lowered.range(of: "://").map({ String(lowered[..<$0.lowerBound]) }), !scheme.contains("/") {
            throw StoreLocationError(text: scheme + "://", reason: "is not a store capi knows (use a file path, sqlite: or postgres://)")
        } else {
            self = .sqlite(path: text)
        }
    }

    /// The folder a local store keeps its files in, if it has one.
    public var localFolder: String? {
        guard case .sqlite(let path) = self else { return nil }
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Safe to log: a URL's password is never shown.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url): return PostgresConfiguration.redacted(url: url)
        }
    }
}

/// A `--database` value capi cannot open.
public struct StoreLocationError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "--database \(text) \(reason)" }
}
