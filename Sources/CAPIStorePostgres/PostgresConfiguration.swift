import Foundation
import PostgresNIO

/// Where and how the store connects: read from a `postgres://` URL, with
/// libpq's `PG*` environment variables for whatever the URL leaves out, as
/// operators who run `psql` expect.
///
/// Understood in the URL: user, password, host (a name, an address, or a
/// socket folder such as `%2Fvar%2Frun%2Fpostgresql`), port, database, and
/// the parameters `sslmode`, `sslrootcert`, `host`, `port`, `user`,
/// `password`, `dbname`, `application_name`, `options`, `connect_timeout`
/// and `target_session_attrs`. Several hosts, as libpq takes them
/// (`postgres://u@h1:5432,h2:5432/capi?target_session_attrs=read-write`),
/// name a primary and its standbys: the store uses the first that answers,
/// and with `read-write` the first that accepts writes (`HostPools`).
public struct PostgresConfiguration: Sendable {
    /// libpq's TLS modes. `prefer`, libpq's default, uses TLS when the server
    /// offers it; `verify-ca` and `verify-full` check the certificate
    /// (`verify-full` its host name too).
    public enum SSLMode: String, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// A server of the URL: a name, an address, or a socket folder.
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// libpq's `target_session_attrs`: which of the hosts a session may use.
    public enum TargetSessionAttributes: String, Sendable {
        /// The first host that answers.
        case any
        /// The first host that accepts writes (not a standby in recovery).
        case readWrite = "read-write"
        /// As `read-write`: a server not in recovery.
        case primary
    }

    /// The servers to try, in order; at least one.
    public var endpoints: [Endpoint]
    public var targetSessionAttributes: TargetSessionAttributes
    /// The first server's host and port.
    public var host: String { endpoints[0].host }
    public var port: Int { endpoints[0].port }
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A CA file for `verify-ca` / `verify-full`; the system's roots otherwise.
    public var sslRootCert: String?
    public var applicationName: String
    /// Server settings sent when each connection starts (libpq's `options`
    /// as `-c name=value`, and `search_path` for a schema of one's own).
    public var settings: [(String, String)]
    public var connectTimeout: Duration
    /// The most connections the store opens to the server (`CAPI_PG_POOL_SIZE`).
    public var poolSize: Int

    /// Connections per node by default: a node's requests wait for a
    /// connection rather than add load a 2-core database cannot serve;
    /// several nodes share the server's `max_connections`.
    public static let defaultPoolSize = 10

    /// Reads `url`, filling the gaps from `environment` (`PGHOST`, `PGPORT`,
    /// `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`,
    /// `PGAPPNAME`, `PGOPTIONS`, `PGCONNECT_TIMEOUT`, and `CAPI_PG_POOL_SIZE`).
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresConfigurationError) {
        let authority = HostList(url: url)
        guard let parts = URLComponents(string: authority.url), let scheme = parts.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql"
        else { throw PostgresConfigurationError("is not a postgres:// URL") }
        var query: [String: String] = [:]
        for item in parts.queryItems ?? [] { query[item.name] = item.value ?? "" }
        func value(_ fromURL: String?, _ parameter: String, _ variable: String) -> String? {
            [fromURL, query[parameter], environment[variable]].lazy.compactMap { $0 }.first { !$0.isEmpty }
        }
        var endpoints: [Endpoint] = []
        if let hosts = authority.hosts {
            for host in hosts { endpoints.append(try Self.endpoint(host, defaultPort: value(nil, "port", "PGPORT"))) }
        } else {
            let hosts = (value(nil, "host", "PGHOST") ?? "localhost").split(separator: ",").map(String.init)
            let ports = (value(nil, "port", "PGPORT") ?? "5432").split(separator: ",").map(String.init)
            guard ports.count == 1 || ports.count == hosts.count, !hosts.isEmpty else {
                throw PostgresConfigurationError("names \(hosts.count) hosts but \(ports.count) ports")
            }
            for (i, host) in hosts.enumerated() {
                endpoints.append(Endpoint(host: host, port: try Self.port(ports.count == 1 ? ports[0] : ports[i])))
            }
        }
        self.endpoints = endpoints
        let attributes = value(nil, "target_session_attrs", "PGTARGETSESSIONATTRS") ?? TargetSessionAttributes.any.rawValue
        guard let targetSessionAttributes = TargetSessionAttributes(rawValue: attributes) else {
            throw PostgresConfigurationError("has a target_session_attrs capi does not take (any, read-write, primary)")
        }
        self.targetSessionAttributes = targetSessionAttributes
        username = value(parts.user, "user", "PGUSER") ?? environment["USER"] ?? "postgres"
        password = value(parts.password, "password", "PGPASSWORD")
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        database = value(path, "dbname", "PGDATABASE") ?? username
        let mode = value(nil, "sslmode", "PGSSLMODE") ?? SSLMode.prefer.rawValue
        guard let sslMode = SSLMode(rawValue: mode) else { throw PostgresConfigurationError("has an unknown sslmode") }
        self.sslMode = sslMode
        sslRootCert = value(nil, "sslrootcert", "PGSSLROOTCERT")
        applicationName = value(nil, "application_name", "PGAPPNAME") ?? "capi"
        settings = value(nil, "options", "PGOPTIONS").map { [("options", $0)] } ?? []
        let timeout = value(nil, "connect_timeout", "PGCONNECT_TIMEOUT").flatMap(Int.init) ?? 10
        connectTimeout = .seconds(max(2, timeout))
        let pool = environment["CAPI_PG_POOL_SIZE"].map { Int($0) }
        guard let size = pool ?? Self.defaultPoolSize, size >= 1 else {
            throw PostgresConfigurationError("CAPI_PG_POOL_SIZE must be a whole number of at least 1")
        }
        poolSize = size
    }

    /// `host[:port]` or `[v6]:port` of a URL's host list.
    private static func endpoint(_ text: String, defaultPort: String?) throws(PostgresConfigurationError) -> Endpoint {
        var host = Substring(text)
        var portText = defaultPort ?? "5432"
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            if rest.hasPrefix(":") { portText = String(rest.dropFirst()) }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = String(host[host.index(after: colon)...])
            host = host[..<colon]
        }
        let name = host.removingPercentEncoding ?? String(host)
        return Endpoint(host: name.isEmpty ? "localhost" : name, port: try port(portText))
    }

    private static func port(_ text: String) throws(PostgresConfigurationError) -> Int {
        guard let port = Int(text), (1...65_535).contains(port) else { throw PostgresConfigurationError("has an invalid port") }
        return port
    }

    /// Uses `schema` as the search path: tables are created and found there.
    public func inSchema(_ schema: String) -> PostgresConfiguration {
        var copy = self
        copy.settings.append(("search_path", schema))
        return copy
    }

    /// The same server and credentials, another database (for tests'
    /// maintenance connections).
    public func onDatabase(_ name: String) -> PostgresConfiguration {
        var copy = self
        copy.database = name
        return copy
    }

    /// Set on every connection, after the URL's own settings: a 200 means
    /// the commit is durable (and, with a synchronous standby, on both
    /// servers), whatever the server's or the role's default says.
    static let durability = [("synchronous_commit", "on")]

    /// PostgresNIO's configuration for a pool to `endpoint`.
    func client(_ endpoint: Endpoint) -> PostgresClient.Configuration {
        let (host, port) = (endpoint.host, endpoint.port)
        var config: PostgresClient.Configuration
        if host.hasPrefix("/") {
            config = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            config = .init(host: host, port: port, username: username, password: password, database: database, tls: tls())
        }
        config.options.maximumConnections = poolSize
        config.options.connectTimeout = connectTimeout
        config.options.additionalStartupParameters = [("application_name", applicationName)] + settings + Self.durability
        return config
    }

    private func tls() -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let sslRootCert { tls.trustRoots = .file(sslRootCert) }
        switch sslMode {
        case .disable:
            return .disable
        case .allow, .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = sslRootCert == nil ? .none : .noHostnameVerification
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(tls)
        }
    }
}

/// A PostgreSQL URL capi cannot use. Never holds the URL: it may carry a password.
public struct PostgresConfigurationError: Error, Sendable, CustomStringConvertible {
    public var reason: String

    init(_ reason: String) { self.reason = reason }

    public var description: String { "the PostgreSQL URL \(reason)" }
}

/// A URL's authority read apart, as text: URLComponents cannot read
/// libpq's list of hosts (`h1:5432,h2:5433`), so the list is taken out and
/// the rest of the URL read with no host in its place.
struct HostList {
    /// The URL without its hosts.
    var url: String
    /// The hosts as written (`host[:port]`), or nil when the URL names none.
    var hosts: [String]?
    /// The URL with the password of its user part masked.
    var masked: String

    init(url: String) {
        guard let schemeEnd = url.range(of: "://") else {
            self.url = url
            masked = url
            return
        }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let at = authority.lastIndex(of: "@")
        let hostStart = at.map { authority.index(after: $0) } ?? authority.startIndex
        let hostText = authority[hostStart...]
        self.url = String(url[..<hostStart]) + String(url[authorityEnd...])
        hosts = hostText.isEmpty ? nil : hostText.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if let at, let colon = authority[..<at].firstIndex(of: ":") {
            masked = String(url[...colon]) + "****" + String(url[at...])
        } else {
            masked = url
        }
    }
}

extension PostgresConfiguration {
    /// `url`, safe to log: the password of its user part and of a
    /// `password=` parameter masked.
    public static func redacted(url: String) -> String {
        HostList(url: url).masked.replacing(/(?i)([?&]password=)[^&#]*/) { "\($0.output.1)****" }
    }
}
