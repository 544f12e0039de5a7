import CAPIStorePostgres
import Testing

/// `postgres://` URLs read as libpq reads them, the `PG*` variables filling
/// what a URL leaves out.
@Suite struct PostgresConfigurationTests {
    @Test func aURLNamesEverything() throws {
        let c = try PostgresConfiguration(
            url: "postgres://capi:s%40cret@db.internal:6432/events?sslmode=verify-full&application_name=node1", environment: [:])
        #expect(c.host == "db.internal")
        #expect(c.port == 6432)
        #expect(c.username == "capi")
        #expect(c.password == "s@cret")
        #expect(c.database == "events")
        #expect(c.sslMode == .verifyFull)
        #expect(c.applicationName == "node1")
        #expect(c.poolSize == PostgresConfiguration.defaultPoolSize)
    }

    @Test func theEnvironmentFillsTheGaps() throws {
        let environment = [
            "PGHOST": "pg.local", "PGPORT": "5433", "PGUSER": "ops", "PGPASSWORD": "pw", "PGDATABASE": "capi",
            "PGSSLMODE": "require", "CAPI_PG_POOL_SIZE": "25",
        ]
        let c = try PostgresConfiguration(url: "postgres://", environment: environment)
        #expect(c.host == "pg.local")
        #expect(c.port == 5433)
        #expect(c.username == "ops")
        #expect(c.password == "pw")
        #expect(c.database == "capi")
        #expect(c.sslMode == .require)
        #expect(c.poolSize == 25)
        let url = try PostgresConfiguration(url: "postgres://u@h/d?sslmode=disable", environment: environment)
        #expect(url.host == "h" && url.username == "u" && url.database == "d" && url.sslMode == .disable, "the URL wins")
        #expect(url.password == "pw", "a password from PGPASSWORD")
    }

    @Test func severalHostsAsLibpqWritesThem() throws {
        let c = try PostgresConfiguration(
            url: "postgres://capi:pw@pg-a:5432,pg-b:5433,[::1]:5434,pg-d/capi?target_session_attrs=read-write", environment: [:])
        #expect(c.endpoints == [
            .init(host: "pg-a", port: 5432), .init(host: "pg-b", port: 5433), .init(host: "::1", port: 5434),
            .init(host: "pg-d", port: 5432),
        ])
        #expect(c.targetSessionAttributes == .readWrite)
        #expect(c.username == "capi" && c.password == "pw" && c.database == "capi")
        let fromVariables = try PostgresConfiguration(
            url: "postgres:///capi", environment: ["PGHOST": "a,b", "PGPORT": "6000,6001", "PGTARGETSESSIONATTRS": "primary"])
        #expect(fromVariables.endpoints == [.init(host: "a", port: 6000), .init(host: "b", port: 6001)])
        #expect(fromVariables.targetSessionAttributes == .primary)
        #expect(try PostgresConfiguration(url: "postgres://h/d", environment: [:]).targetSessionAttributes == .any)
        #expect(throws: PostgresConfigurationError.self) {
            try PostgresConfiguration(url: "postgres://h/d?target_session_attrs=standby", environment: [:])
        }
        #expect(throws: PostgresConfigurationError.self) {
            try PostgresConfiguration(url: "postgres:///d", environment: ["PGHOST": "a,b,c", "PGPORT": "1,2"])
        }
    }

    @Test func libpqDefaults() throws {
        let c = try PostgresConfiguration(url: "postgresql://localhost", environment: ["USER": "alice"])
        #expect(c.port == 5432)
        #expect(c.username == "alice")
        #expect(c.database == "alice", "the database defaults to the user")
        #expect(c.sslMode == .prefer)
    }

    @Test func refusedWithoutShowingTheURL() {
        for url in ["mysql://u:secret@h/d", "postgres://u:secret@h/d?sslmode=sometimes", "postgres://u:secret@h:0/d"] {
            #expect(throws: PostgresConfigurationError.self) { try PostgresConfiguration(url: url, environment: [:]) }
            do {
                _ = try PostgresConfiguration(url: url, environment: [:])
            } catch {
                #expect(!error.description.contains("secret"))
            }
        }
        #expect(throws: PostgresConfigurationError.self) {
            try PostgresConfiguration(url: "postgres://h/d", environment: ["CAPI_PG_POOL_SIZE": "0"])
        }
    }
}
