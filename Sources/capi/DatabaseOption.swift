import ArgumentParser
import CAPICore
import CAPIStore
import CAPIStores
import Foundation
import Logging

/// `--database`, shared by every command, with its `CAPI_DATABASE` twin.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: "A SQLite file, or postgres://… (env CAPI_DATABASE, default \(StoreLocation.defaultSQLitePath)).")
    var database: String?

    /// Where the store is, as given (or the default SQLite file).
    func location() throws -> StoreLocation {
        do {
            return try StoreLocation(database ?? Env.string("CAPI_DATABASE") ?? StoreLocation.defaultSQLitePath)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Opens the store and brings its schema up to date.
    func openStore(workload: StoreOpener.Workload = .server, logger: Logger? = nil) async throws -> any ConversionStore {
        try await StoreOpener.open(try location(), workload: workload, logger: logger)
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
