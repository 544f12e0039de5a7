import CAPICore
import Testing

/// The attribution planner without a database: inputs built by hand, plans checked whole.
@Suite struct AttributionPlannerTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    static let t0: Int64 = 1_700_000_000_000

    static let click = "sc3clid\u{1F}clk-1"
    static let email = "hashed_email\u{1F}" + String(repeating: "a", count: 64)

    static func conversion(
        _ seq: Int64, account: String = "acct", source: String = "web", type: String = "purchase", id: String? = nil,
        time: Int64 = t0, receivedAt: Int64 = t0, keys: [String] = [click, email]
    ) -> PendingConversion {
        PendingConversion(
            seq: seq, account: account, source: source, type: type, id: id ?? "order-\(seq)", time: time,
            receivedAt: receivedAt, actionSource: "website", value: 10, currency: "USD", keys: keys)
    }

    static func exposure(_ seq: Int64, _ id: String, kind: String, at time: Int64, key: Int) -> CandidateExposure {
        CandidateExposure(
            keyIndex: key, seq: seq, exposureID: id, kind: kind, time: time,
            mediaBuyID: "mb-\(id)", packageID: "pkg-\(id)", creativeID: "cr-\(id)")
    }

    static func input(
        _ entries: [AttributionPassInput.Entry], originals: [ConversionKey: [Int64]] = [:],
        windows: AttributionWindows = AttributionWindows(), cursors: AttributionCursors = AttributionCursors(),
        exposuresSeen: Int64? = nil
    ) -> AttributionPassInput {
        AttributionPassInput(entries: entries, originals: originals, windows: windows, cursors: cursors, exposuresSeen: exposuresSeen, at: 42)
    }

    static func entry(_ c: PendingConversion, _ examination: Examination = .first, _ candidates: [CandidateExposure] = []) -> AttributionPassInput.Entry {
        AttributionPassInput.Entry(conversion: c, examination: examination, candidates: candidates)
    }

    // MARK: Last touch

    @Test func theClickTheConversionCarriesBeatsALaterClickAndAnImpression() throws {
        let c = Self.conversion(1)
        let plan = AttributionPlanner.plan(Self.input([Self.entry(c, .first, [
            Self.exposure(10, "own-click", kind: "click", at: Self.t0 - 5 * Self.hour, key: 0),
            Self.exposure(11, "later-click", kind: "click", at: Self.t0 - Self.hour, key: 1),
            Self.exposure(12, "impression", kind: "impression", at: Self.t0 - 60_000, key: 1),
        ])]))
        let record = try #require(plan.records.first)
        #expect(record.status == .attributed)
        #expect(record.exposure?.seq == 10)
        #expect(record.exposure?.mediaBuyID == "mb-own-click")
        #expect(record.decision == AttributionDecision(
            exposureID: "own-click", model: .clickThrough, matchedBy: "sc3clid",
            lagMilliseconds: 5 * Self.hour, windowMilliseconds: 28 * Self.day))
        #expect(record.at == 42)
        #expect(plan.counters == [AttributedCounterDelta(account: "acct", source: "web", hour: Self.t0 / Self.hour, delta: 1)])
    }

    @Test func theStrongestKeyToFindAnExposureNamesTheMatch() throws {
        let c = Self.conversion(1, keys: [Self.email, "ip_ua\u{1F}203.0.113.1|UA"])
        // The same click found through both keys, the weaker one listed first.
        let plan = AttributionPlanner.plan(Self.input([Self.entry(c, .first, [
            Self.exposure(10, "x", kind: "click", at: Self.t0 - Self.hour, key: 1),
            Self.exposure(10, "x", kind: "click", at: Self.t0 - Self.hour, key: 0),
        ])]))
        #expect(plan.records.first?.decision?.matchedBy == "hashed_email")
    }

    @Test func anImpressionCountsOnlyInsideTheSourcesPostViewWindow() {
        var windows = AttributionWindows()
        windows.resolve(accountID: "acct", eventSourceID: "app", ext: .object(["attribution_window": .object([
            "post_view": .object(["interval": .number(3), "unit": .string("days")]),
        ])]))
        let impression = Self.exposure(10, "imp", kind: "impression", at: Self.t0 - 2 * Self.day, key: 1)
        let web = Self.conversion(1, source: "web")
        let app = Self.conversion(2, source: "app")
        let plan = AttributionPlanner.plan(Self.input(
            [Self.entry(web, .first, [impression]), Self.entry(app, .first, [impression])], windows: windows))
        #expect(plan.records.map(\.status) == [.unattributed, .attributed])
        #expect(plan.records[1].decision?.model == .viewThrough)
        #expect(plan.records[1].decision?.windowMilliseconds == 3 * Self.day)
        #expect(plan.records[0].exposure == nil)
    }

    // MARK: Cross-source duplicates

    @Test func aSecondSourceInTheSamePassIsADuplicateOfTheFirst() {
        let first = Self.conversion(1, source: "web", id: "order-9")
        let second = Self.conversion(2, source: "crm", id: "order-9")
        let third = Self.conversion(3, source: "app", id: "order-9")
        let otherAccount = Self.conversion(4, account: "other", source: "crm", id: "order-9")
        let otherType = Self.conversion(5, source: "crm", type: "lead", id: "order-9")
        let plan = AttributionPlanner.plan(Self.input([first, second, third, otherAccount, otherType].map { Self.entry($0) }))
        #expect(plan.records.map(\.status) == [.unattributed, .duplicate, .duplicate, .unattributed, .unattributed])
        #expect(plan.records.map(\.duplicateOf) == [nil, 1, 1, nil, nil])
    }

    @Test func aConversionIsADuplicateOfAnOriginalRecordedBefore() {
        let key = ConversionKey(account: "acct", type: "purchase", id: "order-9")
        let late = Self.conversion(9, source: "crm", id: "order-9")
        let early = Self.conversion(3, source: "app", id: "order-9")
        let plan = AttributionPlanner.plan(Self.input(
            [Self.entry(early, .again(previous: .unattributed)), Self.entry(late)], originals: [key: [5]]))
        // Seq 3 precedes the original (5) and stays one itself; 9 duplicates the earliest, 3.
        #expect(plan.records.map(\.status) == [.unattributed, .duplicate])
        #expect(plan.records.map(\.duplicateOf) == [nil, 3])
    }

    @Test func aReexaminedOriginalTurnsDuplicateOfAnEarlierDecisionOfThePass() {
        let key = ConversionKey(account: "acct", type: "purchase", id: "order-9")
        // Seqs 4 and 6 were both recorded as originals; 2, re-examined, is earlier still.
        let two = Self.conversion(2, id: "order-9")
        let four = Self.conversion(4, source: "crm", id: "order-9")
        let seven = Self.conversion(7, source: "app", id: "order-9")
        let plan = AttributionPlanner.plan(Self.input(
            [Self.entry(two, .again(previous: .unattributed)), Self.entry(four, .again(previous: .attributed)), Self.entry(seven)],
            originals: [key: [6, 4]]))
        #expect(plan.records.map(\.duplicateOf) == [nil, 2, 2])
        #expect(plan.counters == [AttributedCounterDelta(account: "acct", source: "crm", hour: Self.t0 / Self.hour, delta: -1)])
    }

    // MARK: Re-decisions and counters

    @Test func aReexaminationFlipsStatusesAndCountsTheDifference() {
        let claim = Self.exposure(10, "late-click", kind: "click", at: Self.t0 - Self.hour, key: 0)
        let lost = Self.conversion(1, receivedAt: Self.t0)
        let won = Self.conversion(2, receivedAt: Self.t0 + 2 * Self.hour)
        let kept = Self.conversion(3, receivedAt: Self.t0)
        let plan = AttributionPlanner.plan(Self.input([
            Self.entry(lost, .again(previous: .attributed)),
            Self.entry(won, .again(previous: .unattributed), [claim]),
            Self.entry(kept, .again(previous: .attributed), [claim]),
        ], cursors: AttributionCursors(conversions: 3, exposures: 9), exposuresSeen: 10))
        #expect(plan.records.map(\.status) == [.unattributed, .attributed, .attributed])
        #expect(plan.counters == [
            AttributedCounterDelta(account: "acct", source: "web", hour: Self.t0 / Self.hour, delta: -1),
            AttributedCounterDelta(account: "acct", source: "web", hour: Self.t0 / Self.hour + 2, delta: 1),
        ])
        #expect(plan.indexed.isEmpty)
        #expect(plan.cleared.isEmpty)
        #expect(plan.cursors == AttributionCursors(conversions: 3, exposures: 10))
    }

    @Test func countersOfOneHourAddUpAndCancelOut() {
        let click = Self.exposure(10, "c", kind: "click", at: Self.t0 - Self.hour, key: 0)
        let plan = AttributionPlanner.plan(Self.input([
            Self.entry(Self.conversion(1, source: "web"), .again(previous: .attributed)),
            Self.entry(Self.conversion(2, source: "web"), .first, [click]),
            Self.entry(Self.conversion(3, source: "app"), .first, [click]),
            Self.entry(Self.conversion(4, source: "app"), .first, [click]),
        ]))
        #expect(plan.counters == [AttributedCounterDelta(account: "acct", source: "app", hour: Self.t0 / Self.hour, delta: 2)])
    }

    @Test func aRebuildClearsReindexesAndCountsOnlyChanges() {
        let click = Self.exposure(10, "c", kind: "click", at: Self.t0 - Self.hour, key: 0)
        let key = ConversionKey(account: "acct", type: "purchase", id: "order-1")
        let same = Self.conversion(1)
        let lost = Self.conversion(2, receivedAt: Self.t0 + Self.hour)
        let gained = Self.conversion(3, source: "app", receivedAt: Self.t0)
        let plan = AttributionPlanner.plan(Self.input([
            Self.entry(same, .rebuilt(previous: .attributed), [click]),
            Self.entry(lost, .rebuilt(previous: .attributed)),
            Self.entry(gained, .rebuilt(previous: .duplicate), [click]),
        ], originals: [key: [1]], cursors: AttributionCursors(conversions: 8, exposures: 20)))
        // A conversion never duplicates its own earlier row.
        #expect(plan.records.map(\.status) == [.attributed, .unattributed, .attributed])
        #expect(plan.cleared == [1, 2, 3])
        #expect(plan.indexed.map(\.seq) == [1, 2, 3])
        #expect(plan.counters == [
            AttributedCounterDelta(account: "acct", source: "app", hour: Self.t0 / Self.hour, delta: 1),
            AttributedCounterDelta(account: "acct", source: "web", hour: Self.t0 / Self.hour + 1, delta: -1),
        ])
        #expect(plan.cursors == AttributionCursors(conversions: 8, exposures: 20))
    }

    // MARK: Conversion rollups

    static func key(_ buy: String, time: Int64 = t0) -> ConversionRollupKey {
        ConversionRollupKey(
            account: "acct", mediaBuyID: "mb-\(buy)", packageID: "pkg-\(buy)", creativeID: "cr-\(buy)", hour: time / hour,
            eventType: "purchase", actionSource: "website", currency: "USD")
    }

    @Test func aReexaminationMovesTheConversionBetweenBuys() {
        let later = Self.exposure(11, "new", kind: "impression", at: Self.t0 - Self.hour, key: 1)
        let earlier = Self.exposure(10, "old", kind: "impression", at: Self.t0 - 2 * Self.hour, key: 1)
        let moved = AttributionPassInput.Entry(
            conversion: Self.conversion(1), examination: .again(previous: .attributed), candidates: [earlier, later],
            credited: ConversionCredit(key: Self.key("old"), value: 10))
        let plan = AttributionPlanner.plan(Self.input([moved], cursors: AttributionCursors(conversions: 1, exposures: 10), exposuresSeen: 11))
        #expect(plan.records.first?.exposure?.exposureID == "new")
        #expect(plan.rollups == [
            ConversionRollupDelta(key: Self.key("new"), count: 1, value: 10),
            ConversionRollupDelta(key: Self.key("old"), count: -1, value: -10),
        ])
        // The attributed counter did not change: the conversion stays attributed.
        #expect(plan.counters.isEmpty)
    }

    @Test func aConversionThatStaysWithItsExposureNetsToNothing() {
        let click = Self.exposure(10, "c", kind: "click", at: Self.t0 - Self.hour, key: 0)
        let credited = ConversionCredit(key: Self.key("c"), value: 10)
        let plan = AttributionPlanner.plan(Self.input([
            AttributionPassInput.Entry(conversion: Self.conversion(1), examination: .again(previous: .attributed), candidates: [click], credited: credited),
            AttributionPassInput.Entry(conversion: Self.conversion(2), examination: .rebuilt(previous: .attributed), candidates: [click], credited: credited),
        ]))
        #expect(plan.records.map(\.status) == [.attributed, .attributed])
        #expect(plan.rollups.isEmpty)
    }

    @Test func newDecisionsAddWithdrawnOnesSubtractAndAHourHoldsTheirSum() {
        let click = Self.exposure(10, "c", kind: "click", at: Self.t0 - Self.hour, key: 0)
        let key = ConversionKey(account: "acct", type: "purchase", id: "order-1")
        var valueless = Self.conversion(3, time: Self.t0 + 30 * 60_000)
        valueless.value = nil
        let plan = AttributionPlanner.plan(Self.input([
            // Attributed before, now a duplicate of seq 1: withdrawn.
            AttributionPassInput.Entry(
                conversion: Self.conversion(2, source: "app", id: "order-1"), examination: .rebuilt(previous: .attributed),
                candidates: [click], credited: ConversionCredit(key: Self.key("c"), value: 10)),
            Self.entry(valueless, .first, [click]),
            Self.entry(Self.conversion(4), .first, [click]),
            Self.entry(Self.conversion(5), .first, []),
        ], originals: [key: [1]]))
        #expect(plan.records.map(\.status) == [.duplicate, .attributed, .attributed, .unattributed])
        // -1 -10, then +1 +0 and +1 +10 in the same hour.
        #expect(plan.rollups == [ConversionRollupDelta(key: Self.key("c"), count: 1, value: 0)])
    }

    @Test func rollupHoursRoundDownAndExposuresTallyPerRow() {
        let start = Self.t0 / Self.hour * Self.hour
        #expect(RollupHour.of(start) == start / Self.hour)
        #expect(RollupHour.of(start + Self.hour - 1) == start / Self.hour)
        #expect(RollupHour.of(-1) == -1)
        #expect(RollupHour.day(ofHour: 47) == 1)
        #expect(RollupHour.day(ofHour: -1) == -1)
        let hour = Self.t0 / Self.hour
        func exposure(_ id: String, _ kind: Exposure.Kind, buy: String, at time: Int64, cost: Double?) -> Exposure {
            Exposure(
                exposureID: id, kind: kind, accountID: "acct", mediaBuyID: buy, packageID: "p", creativeID: "c",
                time: time, cost: cost, clickID: nil, identifiers: Identifiers())
        }
        let deltas = ExposureRollupDelta.tally([
            exposure("a", .impression, buy: "b2", at: Self.t0, cost: 0.5),
            exposure("b", .impression, buy: "b1", at: Self.t0 + 1, cost: nil),
            exposure("c", .click, buy: "b1", at: Self.t0 + 2, cost: 0.25),
            exposure("d", .impression, buy: "b1", at: Self.t0 + Self.hour, cost: 1),
        ])
        func key(_ buy: String, _ h: Int64) -> ExposureRollupKey {
            ExposureRollupKey(account: "acct", mediaBuyID: buy, packageID: "p", creativeID: "c", hour: h)
        }
        #expect(deltas == [
            ExposureRollupDelta(key: key("b1", hour), impressions: 1, clicks: 1, spend: 0.25),
            ExposureRollupDelta(key: key("b1", hour + 1), impressions: 1, clicks: 0, spend: 1),
            ExposureRollupDelta(key: key("b2", hour), impressions: 1, clicks: 0, spend: 0.5),
        ])
    }

    // MARK: Cursors, horizon, reach

    @Test func newConversionsMoveTheConversionsCursorAndTheScanMovesTheExposuresCursor() {
        let cursors = AttributionCursors(conversions: 5, exposures: 7)
        let plan = AttributionPlanner.plan(Self.input(
            [Self.entry(Self.conversion(2), .again(previous: .unattributed)), Self.entry(Self.conversion(6)), Self.entry(Self.conversion(9))],
            cursors: cursors, exposuresSeen: 12))
        #expect(plan.cursors == AttributionCursors(conversions: 9, exposures: 12))
        #expect(plan.indexed.map(\.seq) == [6, 9])
        let idle = AttributionPlanner.plan(Self.input([], cursors: cursors, exposuresSeen: nil))
        #expect(idle.cursors == cursors)
        #expect(idle.records.isEmpty && idle.counters.isEmpty)
        // An exposure scan never moves the cursor backwards.
        #expect(AttributionPlanner.plan(Self.input([], cursors: cursors, exposuresSeen: 3)).cursors.exposures == 7)
    }

    @Test func theFirstPassTakesEveryExposure() {
        #expect(AttributionPlanner.takesAllExposures(AttributionCursors(conversions: 0, exposures: 40)))
        #expect(!AttributionPlanner.takesAllExposures(AttributionCursors(conversions: 1, exposures: 0)))
        #expect(AttributionPlanner.horizon(AttributionCursors(conversions: 0, exposures: 40), exposuresSeen: 90) == 90)
        #expect(AttributionPlanner.horizon(AttributionCursors(conversions: 3, exposures: 40), exposuresSeen: nil) == 40)
        #expect(AttributionPlanner.exposureChunk(maxConversions: 10) == 400)
        #expect(AttributionPlanner.exposureChunk(maxConversions: 0) == 40)
        #expect(AttributionPlanner.exposureChunk(maxConversions: 10_000) == 20_000)
    }

    @Test func lookbackAndReachFollowEachSourcesWindow() {
        var windows = AttributionWindows()
        #expect(windows.longest == 28 * Self.day)
        windows.resolve(accountID: "acct", eventSourceID: "short", ext: .object(["attribution_window": .object([
            "post_click": .object(["interval": .number(2), "unit": .string("hours")]),
            "post_view": .object(["interval": .number(30), "unit": .string("minutes")]),
        ])]))
        windows.resolve(accountID: "acct", eventSourceID: "long", ext: .object(["attribution_window": .object([
            "post_view": .object(["interval": .number(45), "unit": .string("days")]),
        ])]))
        windows.resolve(accountID: "acct", eventSourceID: "broken", ext: .object(["attribution_window": .string("weekly")]))
        #expect(windows.window(accountID: "acct", eventSourceID: "broken") == .standard)
        #expect(windows.window(accountID: "other", eventSourceID: "short") == .standard)
        #expect(AttributionPlanner.lookback(of: Self.conversion(1, source: "short"), windows: windows) == Self.t0 - 2 * Self.hour...Self.t0)
        #expect(AttributionPlanner.lookback(of: Self.conversion(1, source: "web"), windows: windows) == Self.t0 - 28 * Self.day...Self.t0)
        #expect(AttributionPlanner.lookback(of: Self.conversion(1, source: "long"), windows: windows) == Self.t0 - 45 * Self.day...Self.t0)
        #expect(windows.longest == 45 * Self.day)
        #expect(AttributionPlanner.reach(ofExposureAt: Self.t0, windows: windows) == Self.t0...Self.t0 + 45 * Self.day)
        #expect(AttributionPlanner.reach(ofExposureAt: .max - 1, windows: windows) == (.max - 1)...Int64.max)
    }
}
