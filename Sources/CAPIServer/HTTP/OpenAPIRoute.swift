import Hummingbird
import NIOCore

/// `GET /openapi.json`: the REST API's OpenAPI 3.1 document, no key needed.
/// The text is `OpenAPI/openapi.json`, compiled in by the EmbedOpenAPI plugin.
enum OpenAPIRoute {
    static let document = ByteBuffer(string: OpenAPIDocument.text + "\n")

    static func register(on router: Router<CAPIRequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: document))
        }
    }
}
