import Crypto
import Foundation

/// Signs and checks click and impression links, so only links the ad server
/// made are recorded and redirected.
///
/// The signature is the hex HMAC-SHA256, under the shared secret, of
/// `PATH?QUERY` where QUERY is every parameter except `sig`, sorted by name
/// (then value), each `name=value` percent-encoded with RFC 3986's unreserved
/// characters kept as is, joined by `&`.
public struct LinkSigner: Sendable {
    let secret: Secret

    public init(secret: Secret) {
        self.secret = secret
    }

    public init(secret: [UInt8]) {
        self.init(secret: Secret(secret))
    }

    public static func canonical(path: String, parameters: [(String, String)]) -> String {
        let query = parameters
            .filter { $0.0 != "sig" }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { encode($0.0) + "=" + encode($0.1) }
            .joined(separator: "&")
        return path + "?" + query
    }

    public func signature(path: String, parameters: [(String, String)]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array(Self.canonical(path: path, parameters: parameters).utf8), using: SymmetricKey(data: secret.bytes))
        return hex(mac)
    }

    /// True when `sig` among the parameters matches, compared in constant time.
    public func verify(path: String, parameters: [(String, String)]) -> Bool {
        guard let given = parameters.first(where: { $0.0 == "sig" })?.1 else { return false }
        let expected = signature(path: path, parameters: parameters)
        let a = Array(given.lowercased().utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// `path?query&sig=…`, ready to put in ad markup.
    public func signedURL(base: String, path: String, parameters: [(String, String)]) -> String {
        let sig = signature(path: path, parameters: parameters)
        let query = (parameters + [("sig", sig)]).map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return base + path + "?" + query
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }
}
