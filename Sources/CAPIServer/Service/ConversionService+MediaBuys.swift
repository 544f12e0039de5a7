import CAPICore
import CAPIStore
import Foundation

extension ConversionService {
    /// The body of `PUT /agentic/v1/media-buys/{id}`: the buy without its id.
    struct MediaBuyBody: Decodable {
        var account_id: String
        var name: String?
        var currency: String
        var start_time: String?
        var end_time: String?
        var packages: [MediaBuy.Package]
    }

    /// Creates or replaces a media buy (platform keys).
    public func putMediaBuy(id: String, body: [UInt8], principal: Principal) async -> ServiceReply {
        if let e = principal.refusal(unless: .platform) { return Self.failure(403, e) }
        let parsed: MediaBuyBody
        switch Self.decodeJSON(MediaBuyBody.self, from: body) {
        case .success(let b): parsed = b
        case .failure(let e): return Self.failure(400, e)
        }
        let buy = MediaBuy(
            media_buy_id: id, account_id: parsed.account_id, name: parsed.name, currency: parsed.currency,
            start_time: parsed.start_time, end_time: parsed.end_time, packages: parsed.packages)
        let problems = buy.problems()
        guard problems.isEmpty else { return Self.failure(400, problems) }
        guard principal.mayServe(account: buy.account_id) else {
            return Self.failure(403, AdCPError(.permissionDenied, "This platform key is limited to another account", field: "account_id"))
        }
        do {
            let created = try await store.upsertMediaBuy(buy, at: nowMilliseconds)
            return ServiceReply(status: created ? 201 : 200, body: Self.encode(buy))
        } catch StoreError.notFound(let what) {
            return Self.failure(404, AdCPError(.accountNotFound, "\(what) does not exist; create it with `capi accounts create`", field: "account_id"))
        } catch StoreError.conflict(let what) {
            return Self.failure(409, AdCPError(.conflict, what, field: "media_buy_id"))
        } catch {
            return Self.unavailable(error)
        }
    }

    /// One media buy: for a platform key, or for the account that owns it.
    public func mediaBuy(id: String, principal: Principal) async -> ServiceReply {
        if let refusal = Self.checkIDs([(id, "media_buy_id", .path)]) { return refusal }
        do {
            guard let buy = try await store.mediaBuy(id: id), principal.mayServe(account: buy.account_id) else {
                return Self.failure(404, AdCPError(.mediaBuyNotFound, "No media buy \(id) on this account", field: "media_buy_id"))
            }
            return ServiceReply(status: 200, body: Self.encode(buy))
        } catch {
            return Self.unavailable(error)
        }
    }

    /// An account's media buys. Account keys see their own.
    public func mediaBuys(accountID: String?, principal: Principal) async -> ServiceReply {
        let account = principal.role == .account ? principal.accountID : (accountID ?? principal.accountID)
        guard !account.isEmpty else {
            return Self.failure(400, AdCPError(.invalidRequest, "account_id is required", field: "account_id"))
        }
        if let refusal = Self.checkIDs([(account, "account_id", .path)]) { return refusal }
        guard principal.mayServe(account: account) else {
            return Self.failure(403, AdCPError(.permissionDenied, "This key does not serve account \(account)", field: "account_id"))
        }
        do {
            struct Listing: Encodable { var media_buys: [MediaBuy] }
            return ServiceReply(status: 200, body: Self.encode(Listing(media_buys: try await store.mediaBuys(accountID: account))))
        } catch {
            return Self.unavailable(error)
        }
    }
}
