import CAPICore
import Hummingbird

/// Answers a request no route takes: 405 with `Allow` when the path exists
/// for other methods, 404 `REFERENCE_NOT_FOUND` otherwise, both as AdCP
/// error objects. Added to the router after every route, so it wraps only
/// Hummingbird's not-found responder.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = CAPIRequestContext
    /// Each route's path, split into components, with its methods.
    let routes: [(path: RouterPath, methods: [HTTPRequest.Method])]

    init(routes: [Router<Context>.RouteDescription]) {
        var grouped: [(path: RouterPath, methods: [HTTPRequest.Method])] = []
        for route in routes {
            if let index = grouped.firstIndex(where: { $0.path == route.path }) {
                grouped[index].methods.append(route.method)
            } else {
                grouped.append((route.path, [route.method]))
            }
        }
        self.routes = grouped
    }

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        let allowed = routes.filter { Self.matches($0.path, segments) }.flatMap(\.methods)
        guard allowed.isEmpty else {
            let names = Array(Set(allowed.map(\.rawValue))).sorted()
            var response = Response.adcpError(405, AdCPError(
                .invalidRequest, "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(names.joined(separator: " or "))"))
            response.headers[.allow] = names.joined(separator: ", ")
            return response
        }
        return .adcpError(404, AdCPError(
            .referenceNotFound, "No endpoint at \(Self.shown(request.uri.path)); see the endpoint table in the README"))
    }

    static func matches(_ path: RouterPath, _ segments: [Substring]) -> Bool {
        let components = path.components
        if components.last.map({ "\($0)" == "**" }) == true {
            return segments.count >= components.count - 1
                && zip(components.dropLast(), segments).allSatisfy { $0 ~= $1 }
        }
        return components.count == segments.count && zip(components, segments).allSatisfy { $0 ~= $1 }
    }

    /// The path, cut short: it is the client's and may be long.
    static func shown(_ path: String) -> String {
        path.utf8.count <= 200 ? path : String(path.prefix(200)) + "…"
    }
}
