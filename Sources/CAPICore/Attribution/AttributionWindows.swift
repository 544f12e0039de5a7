/// The attribution window of every event source, resolved from each source's
/// `ext.attribution_window`; a source without one (or with a malformed one) uses `.standard`.
public struct AttributionWindows: Sendable, Equatable {
    /// One account's source, as windows are looked up.
    public struct Source: Sendable, Hashable {
        public var accountID: String
        public var eventSourceID: String

        public init(accountID: String, eventSourceID: String) {
            self.accountID = accountID
            self.eventSourceID = eventSourceID
        }
    }

    /// Only the sources whose window differs from `.standard`.
    public private(set) var custom: [Source: AttributionWindow] = [:]

    public init() {}

    public init(_ windows: [Source: AttributionWindow]) {
        for (source, window) in windows { set(window, for: source) }
    }

    /// Records the window a source's ext asks for; a malformed one keeps the standard.
    public mutating func resolve(accountID: String, eventSourceID: String, ext: JSONValue?) {
        guard case .success(let window) = AttributionWindow.from(sourceExt: ext) else { return }
        set(window, for: Source(accountID: accountID, eventSourceID: eventSourceID))
    }

    private mutating func set(_ window: AttributionWindow, for source: Source) {
        custom[source] = window == .standard ? nil : window
    }

    public func window(accountID: String, eventSourceID: String) -> AttributionWindow {
        custom[Source(accountID: accountID, eventSourceID: eventSourceID)] ?? .standard
    }

    /// How far before a conversion of this source an exposure may lie: the
    /// longer of the source's post-click and post-view windows.
    public func lookback(accountID: String, eventSourceID: String) -> Int64 {
        Self.reach(of: window(accountID: accountID, eventSourceID: eventSourceID))
    }

    /// The longest lookback of any source, the standard included: how far
    /// after an exposure a conversion it could claim may lie.
    public var longest: Int64 {
        custom.values.reduce(Self.reach(of: .standard)) { max($0, Self.reach(of: $1)) }
    }

    static func reach(of window: AttributionWindow) -> Int64 {
        max(window.postClick.milliseconds, window.postView.milliseconds)
    }
}
