/// `GET /agentic/v1/media-buys`: an account's media buys.
public struct MediaBuyListing: Encodable, Sendable {
    public var media_buys: [MediaBuy]
    public init(media_buys: [MediaBuy]) { self.media_buys = media_buys }
}
