import CAPIStores
import Testing

/// `--database` / `CAPI_DATABASE`: a path or `sqlite:` opens SQLite, a
/// PostgreSQL URL is recognised, any other scheme is refused by name, and a
/// password never reaches a log line.
@Suite struct StoreLocationTests {
    @Test func pathsAndSQLiteURLsOpenSQLite() throws {
        #expect(try StoreLocation("./capi-data/capi.sqlite") == .sqlite(path: "./capi-data/capi.sqlite"))
        #expect(try StoreLocation("/var/lib/capi/capi.sqlite") == .sqlite(path: "/var/lib/capi/capi.sqlite"))
        #expect(try StoreLocation("sqlite:/tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try StoreLocation("sqlite:///tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(try StoreLocation("capi.sqlite").localFolder == ".")
        #expect(try StoreLocation("/a/b/capi.sqlite").localFolder == "/a/b")
    }

    @Test func postgresURLsAreRecognisedAndRedacted() throws {
        let location = try StoreLocation("postgres://capi:s3cret@db.internal:5432/capi?sslmode=require")
        #expect(location == .postgres(url: "postgres://capi:s3cret@db.internal:5432/capi?sslmode=require"))
        #expect(!location.description.contains("s3cret"))
        #expect(location.description.contains("db.internal"))
        #expect(location.localFolder == nil)
        #expect(try StoreLocation("postgresql://h/capi") == .postgres(url: "postgresql://h/capi"))
    }

    @Test func everyPasswordOfAURLIsMasked() throws {
        let hosts = try StoreLocation("postgres://capi:p%40ss@pg-a:5432,pg-b:5432/capi?target_session_attrs=read-write")
        #expect(hosts.description == "postgres://capi:****@pg-a:5432,pg-b:5432/capi?target_session_attrs=read-write")
        let parameter = try StoreLocation("postgres://pg-a/capi?sslmode=require&PASSWORD=hunter2&application_name=n1")
        #expect(parameter.description == "postgres://pg-a/capi?sslmode=require&PASSWORD=****&application_name=n1")
        #expect(try StoreLocation("postgres://capi@pg-a/capi").description == "postgres://capi@pg-a/capi")
    }

    @Test func unknownSchemesAndEmptyNamesAreRefused() {
        #expect(throws: StoreLocationError.self) { try StoreLocation("mysql://h/capi") }
        #expect(throws: StoreLocationError.self) { try StoreLocation("sqlite:") }
    }
}
