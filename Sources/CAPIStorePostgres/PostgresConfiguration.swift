import Foundation
import PostgresNIO

/// Where and how the store connects: read from a `postgres://` URL, with
/// libpq's `PG*` environment variables for whatever the URL leaves out, as
/// operators who run `psql` expect.
///
/// Understood in the URL: user, password, host (a name, an address, or a
/// socket folder such as `%2Fvar%2Frun%2Fpostgresql`), port, database, and
/// the parameters `sslmode`, `sslrootcert`, `host`, `port`, `user`,
/// `password`, `dbname`, `application_name`, `options` and `connect_timeout`.
/// Several hosts are not taken yet.
public struct PostgresConfiguration: Sendable {
    /// libpq's TLS modes. `prefer`, libpq's default, uses TLS when the server
    /// offers it; `verify-ca` and `verify-full` check the certificate
    /// (`verify-full` its host name too).
    public enum SSLMode: String, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
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
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql"
        else { throw PostgresConfigurationError("is not a postgres:// URL") }
        var query: [String: String] = [:]
        for item in parts.queryItems ?? [] { query[item.name] = item.value ?? "" }
        func value(_ fromURL: String?, _ parameter: String, _ variable: String) -> String? {
            [fromURL, query[parameter], environment[variable]].lazy.compactMap { $0 }.first { !$0.isEmpty }
        }
        host = value(parts.host, "host", "PGHOST") ?? "localhost"
        let portText = value(parts.port.map(String.init), "port", "PGPORT") ?? "5432"
        guard let port = Int(portText), (1...65_535).contains(port) else { throw PostgresConfigurationError("has an invalid port") }
        self.port = port
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

    /// PostgresNIO's configuration for the pool.
    func client() -> PostgresClient.Configuration {
        var config: PostgresClient.Configuration
        if host.hasPrefix("/") {
            config = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            config = .init(host: host, port: port, username: username, password: password, database: database, tls: tls())
        }
        config.options.maximumConnections = poolSize
        config.options.connectTimeout = connectTimeout
        config.options.additionalStartupParameters = [("application_name", applicationName)] + settings
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
