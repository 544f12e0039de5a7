/// An ad exposure: a click or an impression the ad server recorded.
public struct Exposure: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case impression, click
    }

    public var exposureID: String
    public var kind: Kind
    public var accountID: String
    public var mediaBuyID: String
    public var packageID: String
    public var creativeID: String
    /// Milliseconds since the epoch.
    public var time: Int64
    public var cost: Double?
    /// The sc3clid minted for a click.
    public var clickID: String?
    public var identifiers: Identifiers

    public init(
        exposureID: String, kind: Kind, accountID: String, mediaBuyID: String, packageID: String,
        creativeID: String, time: Int64, cost: Double? = nil, clickID: String? = nil,
        identifiers: Identifiers = Identifiers()
    ) {
        self.exposureID = exposureID
        self.kind = kind
        self.accountID = accountID
        self.mediaBuyID = mediaBuyID
        self.packageID = packageID
        self.creativeID = creativeID
        self.time = time
        self.cost = cost
        self.clickID = clickID
        self.identifiers = identifiers
    }

    /// The keys this exposure can be found by: its sc3clid and its identifiers.
    public var keys: [IdentityKey] { storageKeys.compactMap(IdentityKey.init(storageKey:)) }

    /// `keys` as the texts a store indexes, built without `IdentityKey`s.
    public var storageKeys: [String] {
        var ids = identifiers
        ids.clickID = nil
        var keys = IdentityKey.storageKeys(for: ids)
        if let clickID { keys.insert(IdentityKey(kind: "sc3clid", value: clickID).storageKey, at: 0) }
        return keys
    }
}

/// An exposure that shares at least one key with a conversion.
public struct ExposureCandidate: Sendable, Equatable {
    public var exposureID: String
    public var kind: Exposure.Kind
    public var time: Int64
    /// The strongest key the exposure shares with the conversion.
    public var matchedBy: IdentityKey

    public init(exposureID: String, kind: Exposure.Kind, time: Int64, matchedBy: IdentityKey) {
        self.exposureID = exposureID
        self.kind = kind
        self.time = time
        self.matchedBy = matchedBy
    }
}

/// Which exposure gets the credit for a conversion, and why.
public struct AttributionDecision: Sendable, Equatable {
    public enum Model: String, Sendable, Codable {
        case clickThrough = "click_through"
        case viewThrough = "view_through"
    }

    public var exposureID: String
    public var model: Model
    /// `sc3clid`, `uid:<type>`, `hashed_email`, `hashed_phone` or `ip_ua`.
    public var matchedBy: String
    public var lagMilliseconds: Int64
    public var windowMilliseconds: Int64

    public init(exposureID: String, model: Model, matchedBy: String, lagMilliseconds: Int64, windowMilliseconds: Int64) {
        self.exposureID = exposureID
        self.model = model
        self.matchedBy = matchedBy
        self.lagMilliseconds = lagMilliseconds
        self.windowMilliseconds = windowMilliseconds
    }
}

/// The attribution rules, as one pure function.
public enum AttributionRules {
    /// Last touch, clicks before impressions:
    /// 1. the click whose sc3clid the conversion carries, within the post-click window;
    /// 2. else the latest click sharing any identifier, within the post-click window;
    /// 3. else the latest impression sharing any identifier, within the post-view window.
    /// Exposures after the conversion never count; ties go to the smaller exposure_id.
    public static func decide(
        eventTime: Int64, window: AttributionWindow, candidates: [ExposureCandidate]
    ) -> AttributionDecision? {
        let postClick = window.postClick.milliseconds
        let postView = window.postView.milliseconds
        func inWindow(_ c: ExposureCandidate, _ length: Int64) -> Bool {
            c.time <= eventTime && eventTime - c.time <= length
        }
        func latest(_ list: [ExposureCandidate]) -> ExposureCandidate? {
            list.min { a, b in a.time != b.time ? a.time > b.time : a.exposureID < b.exposureID }
        }
        let clicks = candidates.filter { $0.kind == .click && inWindow($0, postClick) }
        if let hit = latest(clicks.filter { $0.matchedBy.kind == "sc3clid" }) ?? latest(clicks) {
            return AttributionDecision(
                exposureID: hit.exposureID, model: .clickThrough, matchedBy: hit.matchedBy.kind,
                lagMilliseconds: eventTime - hit.time, windowMilliseconds: postClick)
        }
        if let hit = latest(candidates.filter { $0.kind == .impression && inWindow($0, postView) }) {
            return AttributionDecision(
                exposureID: hit.exposureID, model: .viewThrough, matchedBy: hit.matchedBy.kind,
                lagMilliseconds: eventTime - hit.time, windowMilliseconds: postView)
        }
        return nil
    }
}
