import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `capi serve` started for the run: a release binary on a free loopback
/// port, a fresh database (a SQLite file in a temporary folder, or a fresh
/// schema of `--database`), one account, one key and the `bench` event
/// source. Stopped (and its folder removed) at the end.
final class CAPIServerProcess {
    let port: UInt16
    let key: String
    let directory: URL
    /// The `--database` value the server and the CLI are given.
    let databasePath: String
    private var process: Process
    let capiPath: String
    private let serveArguments: [String]
    private let logURL: URL

    var pid: Int32 { process.processIdentifier }

    static let accountID = "bench"

    /// Creates the database, account and key with the CLI, then starts the server.
    /// `serveArguments` go after the usual `serve --host --port --database --log-level`;
    /// `postgres`, a URL, puts the store in a new schema of that database.
    convenience init(capiPath: String, log: (String) -> Void, serveArguments: [String] = [], postgres: String? = nil) throws {
        let directory = Self.newFolder()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let databasePath = postgres.map(Self.inFreshSchema) ?? directory.appendingPathComponent("capi.sqlite").path
        log("database: \(databasePath)")
        _ = try Self.runCLI(capiPath, ["accounts", "create", Self.accountID, "--database", databasePath])
        let keyOutput = try Self.runCLI(capiPath, ["keys", "create", "--account", Self.accountID, "--database", databasePath])
        guard let key = keyOutput.split(separator: "\n").last.map(String.init), !key.isEmpty else {
            throw BenchError("`capi keys create` printed no key")
        }
        try self.init(
            capiPath: capiPath, serveArguments: serveArguments, directory: directory, databasePath: databasePath, key: key, log: log)
    }

    /// Another server on `first`'s database and key: a second node.
    convenience init(sharing first: CAPIServerProcess, log: (String) -> Void) throws {
        let directory = Self.newFolder()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try self.init(
            capiPath: first.capiPath, serveArguments: first.serveArguments, directory: directory,
            databasePath: first.databasePath, key: first.key, log: log)
    }

    /// Starts a server on a free port over a database that has the account and key.
    private init(
        capiPath: String, serveArguments: [String], directory: URL, databasePath: String, key: String, log: (String) -> Void
    ) throws {
        self.capiPath = capiPath
        self.serveArguments = serveArguments
        self.directory = directory
        self.databasePath = databasePath
        self.key = key
        port = try Self.freeLoopbackPort()
        logURL = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process = Process()
        try launch()
        log("server pid \(process.processIdentifier) on 127.0.0.1:\(port), log \(logURL.path)")
    }

    private static func newFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("capi-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// `url` with a search path naming a new schema, which the store creates.
    static func inFreshSchema(_ url: String) -> String {
        let schema = "capi_bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
    }

    private func launch() throws {
        let logHandle = try FileHandle(forWritingTo: logURL)
        logHandle.seekToEndOfFile()
        process = Process()
        process.executableURL = URL(fileURLWithPath: capiPath)
        process.arguments = [
            "serve", "--host", "127.0.0.1", "--port", String(port), "--database", databasePath,
            "--log-level", "warning",
        ] + serveArguments
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        try waitUntilHealthy()
    }

    /// Stops the server (SIGTERM, waits) and keeps its database.
    func halt() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Starts the server again on the same port and database.
    func relaunch() throws {
        halt()
        try launch()
    }

    /// Polls `/healthz` for up to 20 seconds.
    private func waitUntilHealthy() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            guard process.isRunning else { throw BenchError("capi serve exited early; see \(directory.path)/server.log") }
            let connection = HTTPConnection(host: "127.0.0.1", port: port)
            if let reply = try? connection.send(HTTPRequest(method: "GET", path: "/healthz"), body: []), reply.status == 200 {
                return
            }
            usleep(50_000)
        }
        throw BenchError("capi serve did not answer /healthz within 20 s")
    }

    func stop(keepData: Bool) {
        halt()
        if !keepData { try? FileManager.default.removeItem(at: directory) }
    }

    /// Runs a CLI command to completion and returns its standard output.
    static func runCLI(_ path: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BenchError("capi \(arguments.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Asks the kernel for a free port on 127.0.0.1 (bind to 0, read it, release it).
    static func freeLoopbackPort() throws -> UInt16 {
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw BenchError("socket() failed") }
        defer { close(s) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(s, p, length) == 0 && getsockname(s, p, &length) == 0
            }
        }
        guard bound else { throw BenchError("could not find a free loopback port") }
        return UInt16(bigEndian: addr.sin_port)
    }
}
