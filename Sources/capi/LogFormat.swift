import ArgumentParser
import CAPIServer
import Logging

/// How `capi serve` writes its log: swift-log's text lines, or one JSON
/// object per line on standard error (`JSONLogHandler`).
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json

    /// From `--log-format`, else `CAPI_LOG_FORMAT`, else text.
    static func resolve(_ option: String?) throws -> LogFormat {
        let name = option ?? Env.string("CAPI_LOG_FORMAT") ?? "text"
        guard let format = LogFormat(rawValue: name) else { throw ValidationError("unknown log format \(name): text or json") }
        return format
    }

    /// Sets the process's log handler; once per process, before any logger is made.
    func bootstrap() {
        switch self {
        case .text: break  // swift-log's default
        case .json: LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
    }
}
