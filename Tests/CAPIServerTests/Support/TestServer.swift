import CAPICore
import CAPIServer
import CAPIStore
import CAPIStores
import Foundation
import Hummingbird
import Logging
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A clock the tests move by hand.
final class TestClock: CAPIClock {
    private let instant: Mutex<Date>
    init(_ start: String = "2026-11-27T12:00:00Z") {
        instant = Mutex(Date(timeIntervalSince1970: Double(RFC3339.parseMilliseconds(start) ?? 0) / 1000))
    }
    func now() -> Date { instant.withLock { $0 } }
    func advance(seconds: Double) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A real capi server on a loopback port, over a real store: a SQLite file
/// in a fresh temporary folder, or a fresh schema of a real PostgreSQL
/// (`TestStore`).
struct TestServer: Sendable {
    let baseURL: String
    let store: any ConversionStore
    let clock: TestClock
    /// Where the store is, to open it again as a restarted server would.
    let location: StoreLocation
    let service: ConversionService

    /// `logger` (default: one that logs only criticals) is the server's;
    /// `wrapStore` puts a test's store in front of the real one.
    static func run<T: Sendable>(
        configure: (inout CAPISettings) -> Void = { _ in },
        logger: Logger? = nil,
        wrapStore: (any ConversionStore) -> any ConversionStore = { $0 },
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = TestStore.location(in: folder)
        // Metrics of this server alone: a test process runs many.
        let metrics = CAPIMetrics()
        let store = wrapStore(try await StoreOpener.open(location, metrics: metrics.factory))
        var settings = CAPISettings()
        settings.port = 0
        configure(&settings)
        let clock = TestClock()
        let logger = logger ?? {
            var quiet = Logger(label: "capi-test")
            quiet.logLevel = .critical
            return quiet
        }()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let service = ConversionService(store: store, settings: settings, clock: clock, metrics: metrics)
        let app = CAPIApplication.build(settings: settings, store: store, clock: clock, logger: logger, service: service) { port in
            portContinuation.yield(port)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let server = TestServer(
                baseURL: "http://127.0.0.1:\(port)", store: store, clock: clock, location: location, service: service)
            do {
                let result = try await body(server)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Creates an account with an account key; returns the key.
    @discardableResult
    func account(_ id: String, role: APIKeyRecord.Role = .account) async throws -> String {
        if try await store.account(id: id) == nil {
            try await store.createAccount(Account(accountID: id, name: nil, createdAt: 0))
        }
        let minted = APIKey.mint()
        try await store.insertAPIKey(APIKeyRecord(keyHash: minted.hash, prefix: minted.prefix, accountID: id, role: role, createdAt: 0))
        return minted.key
    }

    /// A platform key (the ad server's), serving every account.
    func platformKey() async throws -> String {
        let minted = APIKey.mint()
        try await store.insertAPIKey(APIKeyRecord(keyHash: minted.hash, prefix: minted.prefix, accountID: nil, role: .platform, createdAt: 0))
        return minted.key
    }

    var port: Int { Int(baseURL.split(separator: ":").last ?? "") ?? 0 }

    struct Reply: Sendable {
        var status: Int
        var body: Data
        var headers: [String: String]
        var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }
        var text: String { String(decoding: body, as: UTF8.self) }
        var firstError: JSONValue? {
            if case .array(let errors)? = json["errors"] { return errors.first }
            return nil
        }
    }

    func request(
        _ method: String, _ path: String, key: String? = nil, body: Data? = nil,
        contentType: String? = "application/json", headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.httpBody = body
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { fields[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http?.statusCode ?? 0, body: data, headers: fields)
    }

    func post(_ path: String, key: String?, json: JSONValue) async throws -> Reply {
        try await request("POST", path, key: key, body: Data(json.canonicalText.utf8))
    }

    func put(_ path: String, key: String?, json: JSONValue) async throws -> Reply {
        try await request("PUT", path, key: key, body: Data(json.canonicalText.utf8))
    }

    /// `POST /agentic/v1/event-sources/sync`.
    func sync(key: String, _ sources: [JSONValue]?, deleteMissing: Bool? = nil, extra: [String: JSONValue] = [:]) async throws -> Reply {
        var body = extra
        if let sources { body["event_sources"] = .array(sources) }
        if let deleteMissing { body["delete_missing"] = .bool(deleteMissing) }
        return try await post("/agentic/v1/event-sources/sync", key: key, json: .object(body))
    }

    /// `POST /agentic/v1/capi`.
    func logEvents(key: String, source: String, _ events: [JSONValue], extra: [String: JSONValue] = [:]) async throws -> Reply {
        var body = extra
        body["event_source_id"] = .string(source)
        body["events"] = .array(events)
        return try await post("/agentic/v1/capi", key: key, json: .object(body))
    }

    /// A valid purchase at the server clock's "now" minus `ago` seconds.
    func purchase(_ id: String, ago: Double = 60, value: Double = 25, extra: [String: JSONValue] = [:]) -> JSONValue {
        let time = RFC3339.format(milliseconds: Int64((clock.now().timeIntervalSince1970 - ago) * 1000))
        var o: [String: JSONValue] = [
            "event_id": .string(id), "event_type": .string("purchase"), "event_time": .string(time),
            "action_source": .string("website"), "event_source_url": .string("https://shop.example.com/done"),
            "user_match": .object(["click_id": .string("clk_\(id)"), "click_id_type": .string("sc3clid")]),
            "custom_data": .object(["value": .number(value), "currency": .string("USD")]),
        ]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }
}

extension JSONValue {
    var intValue: Int? { if case .number(let n) = self { return Int(n) }; return nil }
    var doubleValue: Double? { if case .number(let n) = self { return n }; return nil }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, index < a.count { return a[index] }
        return nil
    }
}
