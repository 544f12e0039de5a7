// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "capi",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "capi", targets: ["capi"]),
        .executable(name: "capi-bench", targets: ["capi-bench"]),
        .library(name: "CAPICore", targets: ["CAPICore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        .target(name: "CAPICore"),
        .target(name: "CSQLiteConfig", linkerSettings: [.linkedLibrary("sqlite3")]),
        // What every store is: protocols, records, nothing of an engine.
        .target(name: "CAPIStore", dependencies: ["CAPICore"]),
        // The embedded SQLite store (GRDB, WAL syncer and checkpointer).
        .target(
            name: "CAPIStoreSQLite",
            dependencies: [
                "CAPICore", "CAPIStore", "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The PostgreSQL store (PostgresNIO): several capi nodes on one database.
        .target(
            name: "CAPIStorePostgres",
            dependencies: [
                "CAPICore", "CAPIStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Picks a concrete store from `--database`; only the executables link it.
        .target(
            name: "CAPIStores",
            dependencies: [
                "CAPIStore", "CAPIStoreSQLite", "CAPIStorePostgres",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The conformance suite every store passes, as throwing checks.
        .target(name: "CAPIStoreTesting", dependencies: ["CAPICore", "CAPIStore"]),
        .target(
            name: "CAPIServer",
            dependencies: [
                "CAPICore", "CAPIStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["OpenAPI/openapi.json"],
            plugins: ["EmbedResources"]
        ),
        // The OpenAPI document and the AdCP request schemas (schemas/adcp/) are
        // data files, compiled into CAPIServer at build time.
        .executableTarget(name: "capi-embed-text"),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["capi-embed-text"]),
        .executableTarget(
            name: "capi",
            dependencies: [
                "CAPICore", "CAPIStore", "CAPIStores", "CAPIServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(name: "capi-bench", dependencies: ["CAPICore"]),
        .testTarget(
            name: "CAPICoreTests",
            dependencies: ["CAPICore"]
        ),
        .testTarget(
            name: "CAPIServerTests",
            dependencies: [
                "CAPICore", "CAPIStore", "CAPIStores", "CAPIServer", "CAPIStoreTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "CAPIStorePostgresTests",
            dependencies: [
                "CAPICore", "CAPIStore", "CAPIStorePostgres", "CAPIStores", "CAPIStoreTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CAPIStoreSQLiteTests",
            dependencies: [
                "CAPICore", "CAPIStore", "CAPIStoreSQLite", "CAPIStoreTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
