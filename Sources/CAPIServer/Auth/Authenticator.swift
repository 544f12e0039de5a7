import CAPICore
import CAPIStore
import Foundation
import HTTPTypes
import Synchronization

/// Turns the key a request carries into a `Principal`.
///
/// Keys come as `Authorization: Bearer <key>` (Scope3) or `x-adcp-auth: <key>`
/// (the AdCP clients' default). Keys are never logged; only their prefix is.
public final class Authenticator: Sendable {
    let store: any ConversionStore
    let clock: any CAPIClock
    /// When each key was last marked used, so "last used" costs one write a minute.
    private let lastTouched = Mutex<[String: Int64]>([:])

    public init(store: any ConversionStore, clock: any CAPIClock) {
        self.store = store
        self.clock = clock
    }

    static let adcpAuth = HTTPField.Name("x-adcp-auth")!

    /// The key in the request's headers, if any.
    static func presentedKey(_ headers: HTTPFields) -> String? {
        if let value = headers[.authorization] {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if trimmed.lowercased().hasPrefix("bearer ") {
                let key = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
                return key.isEmpty ? nil : key
            }
        }
        if let value = headers[adcpAuth] {
            let key = value.trimmingCharacters(in: .whitespaces)
            let bare = key.lowercased().hasPrefix("bearer ") ? String(key.dropFirst(7)) : key
            return bare.isEmpty ? nil : bare
        }
        return nil
    }

    /// The caller, or the AdCP error to answer with 401.
    public func authenticate(_ headers: HTTPFields) async throws -> Result<Principal, AdCPError> {
        guard let key = Self.presentedKey(headers) else {
            return .failure(AdCPError(
                .authRequired, "An API key is required: send 'Authorization: Bearer <key>' or 'x-adcp-auth: <key>'"))
        }
        let hash = APIKey.hash(key)
        guard let record = try await store.apiKey(hash: hash), record.revokedAt == nil else {
            return .failure(AdCPError(.authInvalid, "The API key is unknown or revoked"))
        }
        await touch(hash)
        return .success(Principal(
            accountID: record.accountID ?? "", role: record.role,
            keyPrefix: record.prefix))
    }

    private func touch(_ hash: String) async {
        let now = clock.nowMilliseconds
        let due = lastTouched.withLock { seen in
            if let last = seen[hash], now - last < 60_000 { return false }
            seen[hash] = now
            return true
        }
        if due { try? await store.touchAPIKey(hash: hash, at: now) }
    }
}
