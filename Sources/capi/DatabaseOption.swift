import ArgumentParser
import CAPICore
import CAPIStore
import Foundation

/// `--database`, shared by every command, with its `CAPI_DATABASE` twin.
struct DatabaseOption: ParsableArguments {
    static let defaultPath = "./capi-data/capi.sqlite"

    @Option(name: .long, help: "SQLite database file (env CAPI_DATABASE, default \(defaultPath)).")
    var database: String?

    var path: String { database ?? Env.string("CAPI_DATABASE") ?? Self.defaultPath }

    /// Opens the store and brings its schema up to date.
    func openStore(workload: SQLiteStore.Workload = .server) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, workload: workload)
        try await store.migrate()
        return store
    }
}

/// Reads `CAPI_*` environment variables, the twins of the flags.
enum Env {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func int(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(name) must be a whole number, got '\(text)'") }
        return value
    }

    static func bool(_ name: String) -> Bool {
        guard let text = string(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(text)
    }
}

var nowMilliseconds: Int64 { SystemClock().nowMilliseconds }

func formatTime(_ ms: Int64?) -> String {
    guard let ms else { return "never" }
    return String(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000)))
}
