import CAPICore
import Hummingbird

/// The REST door: Scope3's conversion endpoint and its companions.
struct ConversionRoutes {
    let service: ConversionService

    func register(on api: RouterGroup<CAPIRequestContext>) {
        api.post("capi") { request, context in
            try await handleJSON(request, context) { body, principal in
                await service.logEvent(body: body, principal: principal)
            }
        }
        api.post("event-sources/sync") { request, context in
            try await handleJSON(request, context) { body, principal in
                await service.syncEventSources(body: body, principal: principal)
            }
        }
        api.post("delivery") { request, context in
            try await handleJSON(request, context) { body, principal in
                await service.mediaBuyDelivery(body: body, principal: principal)
            }
        }
        api.get("event-sources/:event_source_id") { _, context in
            Response.json(await service.eventSourceDetail(
                id: try context.parameters.require("event_source_id"), principal: try context.requirePrincipal()))
        }
        api.get("reports/delivery") { request, context in
            let q = request.uri.queryParameters
            let ids = q.getAll("media_buy_id").flatMap { $0.split(separator: ",").map(String.init) }
            return Response.json(await service.deliveryRows(
                mediaBuyIDs: ids, from: q["from"].map(String.init), to: q["to"].map(String.init),
                groupBy: q["group_by"].map(String.init), format: q["format"].map(String.init),
                principal: try context.requirePrincipal()))
        }
        api.get("test-events") { request, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized) }
            let query = request.uri.queryParameters
            return Response.json(await service.testEvents(
                eventSourceID: query["event_source_id"].map(String.init),
                testEventCode: query["test_event_code"].map(String.init),
                limit: query["limit"].flatMap { Int(String($0)) },
                principal: principal))
        }
    }

    /// Reads a JSON body within the limits and hands it to a service call.
    func handleJSON(
        _ request: Request, _ context: CAPIRequestContext,
        _ call: ([UInt8], Principal) async -> ServiceReply
    ) async throws -> Response {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        var request = request
        switch try await request.jsonBody(maxBytes: service.settings.maxBodyBytes) {
        case .refused(let response): return response
        case .bytes(let body): return .json(await call(body, principal))
        }
    }
}
