import CAPICore
import CAPIStore
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the HTTP application: health probes, metrics, the REST door and the MCP door.
public enum CAPIApplication {
    public static func build(
        settings: CAPISettings, store: any ConversionStore, clock: any CAPIClock = SystemClock(),
        logger: Logger = Logger(label: "capi"), service: ConversionService? = nil,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let service = service ?? ConversionService(store: store, settings: settings, clock: clock)
        let auth = AuthMiddleware(authenticator: Authenticator(store: store, clock: clock))
        let limits = KeyLimitsMiddleware(limiter: service.keyLimits)
        let router = Router(context: CAPIRequestContext.self)
        // First, so every response and log line carries the request's id.
        router.add(middleware: RequestIDMiddleware())
        // Next, so it sees every route, and requests no route matched.
        router.add(middleware: RequestMetricsMiddleware(metrics: service.metrics))
        router.add(middleware: AdCPErrorMiddleware())

        router.get("healthz") { _, _ in
            Response.json(Array(#"{"status":"ok"}"#.utf8), status: 200)
        }
        router.get("readyz") { _, _ in
            do {
                try await store.ping()
                return Response.json(Array(#"{"status":"ready"}"#.utf8), status: 200)
            } catch {
                return Response.json(Array(#"{"status":"unavailable","reason":"database unreachable"}"#.utf8), status: 503)
            }
        }
        router.get("metrics") { _, _ in
            await service.sampleStoreMetrics()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: service.metrics.exposition())))
        }
        OpenAPIRoute.register(on: router)
        let api = router.group("agentic/v1").add(middleware: auth).add(middleware: limits)
        ConversionRoutes(service: service).register(on: api)
        PlatformRoutes(service: service).register(on: api)
        LinkRoutes(service: service).register(on: router.group("agentic/v1"))
        addMCPRoutes(to: router.group().add(middleware: auth).add(middleware: limits), service: service)
        router.add(middleware: UnknownRouteMiddleware(routes: router.routes))

        var services: [any Service] = []
        if settings.attributionIntervalSeconds > 0 {
            services.append(AttributionWorker(
                store: store, clock: clock, intervalSeconds: settings.attributionIntervalSeconds,
                batchSize: settings.attributionBatchSize, ingest: service.ingestActivity, metrics: service.metrics,
                logger: logger))
        }
        let connectionLimits = ConnectionLimits(settings: settings)
        return Application(
            router: router,
            server: CAPIHTTPChannel.builder(limits: connectionLimits, connections: ConnectionCounter()),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "capi"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }
}
