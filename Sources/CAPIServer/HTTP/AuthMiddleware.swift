import CAPICore
import Hummingbird

/// Resolves the API key before any protected route runs; 401 otherwise.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = CAPIRequestContext
    let authenticator: Authenticator

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let result: Result<Principal, AdCPError>
        do {
            result = try await authenticator.authenticate(request.headers)
        } catch {
            return .failure(ConversionService.unavailable(error, operation: "authenticate", logger: context.logger))
        }
        switch result {
        case .failure(let error):
            var response = Response.failure(ServiceFailure(.unauthenticated, error))
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        case .success(let principal):
            var context = context
            context.principal = principal
            context.logger[metadataKey: "key"] = "\(principal.keyPrefix)"
            return try await next(request, context)
        }
    }
}
