import CAPICore
import CAPIStore
import Foundation
import Logging

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
    public func putMediaBuy(id: String, body: [UInt8], principal: Principal, logger: Logger) async -> ServiceAnswer<MediaBuy> {
        if let e = principal.refusal(unless: .platform) { return Self.failure(.forbidden, e) }
        let parsed: MediaBuyBody
        switch Self.decodeJSON(MediaBuyBody.self, from: body) {
        case .success(let b): parsed = b
        case .failure(let e): return .failed(e)
        }
        let buy = MediaBuy(
            media_buy_id: id, account_id: parsed.account_id, name: parsed.name, currency: parsed.currency,
            start_time: parsed.start_time, end_time: parsed.end_time, packages: parsed.packages)
        let problems = buy.problems()
        guard problems.isEmpty else { return Self.failure(.invalid, problems) }
        guard principal.mayServe(account: buy.account_id) else {
            return Self.failure(.forbidden, AdCPError(.permissionDenied, "This platform key is limited to another account", field: "account_id"))
        }
        do {
            let created = try await store.upsertMediaBuy(buy, at: nowMilliseconds)
            return created ? .created(buy) : .done(buy)
        } catch StoreError.notFound(let what) {
            return Self.failure(.notFound, AdCPError(.accountNotFound, "\(what) does not exist; create it with `capi accounts create`", field: "account_id"))
        } catch StoreError.conflict(let what) {
            return Self.failure(.conflict, AdCPError(.conflict, what, field: "media_buy_id"))
        } catch {
            return .failed(Self.unavailable(error, operation: "put_media_buy", logger: logger))
        }
    }

    /// A media buy by its id alone (ids are global): its owner, then the
    /// buy, read account first like everything an account owns.
    func findMediaBuy(id: String) async throws -> MediaBuy? {
        guard let owner = try await store.mediaBuyOwner(id: id) else { return nil }
        return try await store.mediaBuy(accountID: owner, id: id)
    }

    /// One media buy: for a platform key, or for the account that owns it.
    public func mediaBuy(id: String, principal: Principal, logger: Logger) async -> ServiceAnswer<MediaBuy> {
        if let refusal = Self.checkIDs([(id, "media_buy_id", .path)]) { return .failed(refusal) }
        do {
            guard let buy = try await findMediaBuy(id: id), principal.mayServe(account: buy.account_id) else {
                return Self.failure(.notFound, AdCPError(.mediaBuyNotFound, "No media buy \(id) on this account", field: "media_buy_id"))
            }
            return .done(buy)
        } catch {
            return .failed(Self.unavailable(error, operation: "media_buy", logger: logger))
        }
    }

    /// An account's media buys. Account keys see their own.
    public func mediaBuys(accountID: String?, principal: Principal, logger: Logger) async -> ServiceAnswer<MediaBuyListing> {
        let account = principal.role == .account ? principal.accountID : (accountID ?? principal.accountID)
        guard !account.isEmpty else {
            return Self.failure(.invalid, AdCPError(.invalidRequest, "account_id is required", field: "account_id"))
        }
        if let refusal = Self.checkIDs([(account, "account_id", .path)]) { return .failed(refusal) }
        guard principal.mayServe(account: account) else {
            return Self.failure(.forbidden, AdCPError(.permissionDenied, "This key does not serve account \(account)", field: "account_id"))
        }
        do {
            return .done(MediaBuyListing(media_buys: try await store.mediaBuys(accountID: account)))
        } catch {
            return .failed(Self.unavailable(error, operation: "media_buys", logger: logger))
        }
    }
}
