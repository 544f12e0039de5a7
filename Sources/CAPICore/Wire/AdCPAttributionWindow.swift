/// An attribution window on the wire: how long after a click, and after
/// an impression, a conversion may still be credited.
public struct AdCPAttributionWindow: Encodable, Sendable, Equatable {
    public var post_click: AdCPDuration
    public var post_view: AdCPDuration

    public init(_ w: AttributionWindow) {
        post_click = AdCPDuration(w.postClick)
        post_view = AdCPDuration(w.postView)
    }
}
