/// What the attributor has recorded for a conversion (the `attributions.status` column).
public enum AttributionStatus: String, Sendable, Codable, CaseIterable {
    /// Not yet examined by the attributor.
    case pending
    case attributed
    case unattributed
    /// The same (event_type, event_id) arrived earlier from another source.
    case duplicate
}

/// The cross-source dedup key: one conversion counts per (account, event_type,
/// event_id), whichever source sent it first.
public struct ConversionKey: Sendable, Hashable {
    public var account: String
    public var type: String
    public var id: String

    public init(account: String, type: String, id: String) {
        self.account = account
        self.type = type
        self.id = id
    }
}

/// A conversion as a pass reads it from the store.
public struct PendingConversion: Sendable, Equatable {
    /// Arrival order.
    public var seq: Int64
    public var account: String
    public var source: String
    public var type: String
    public var id: String
    /// Milliseconds since the epoch: when the conversion happened.
    public var time: Int64
    /// Milliseconds since the epoch: when capi received it (its counter hour).
    public var receivedAt: Int64
    public var actionSource: String?
    public var value: Double?
    public var currency: String?
    /// Storage keys (`IdentityKey.storageKey`), strongest first.
    public var keys: [String]

    public init(
        seq: Int64, account: String, source: String, type: String, id: String, time: Int64, receivedAt: Int64,
        actionSource: String? = nil, value: Double? = nil, currency: String? = nil, keys: [String]
    ) {
        self.seq = seq
        self.account = account
        self.source = source
        self.type = type
        self.id = id
        self.time = time
        self.receivedAt = receivedAt
        self.actionSource = actionSource
        self.value = value
        self.currency = currency
        self.keys = keys
    }

    public var conversionKey: ConversionKey { ConversionKey(account: account, type: type, id: id) }
}

/// An exposure that shares a key with a conversion, as the store found it.
public struct CandidateExposure: Sendable, Equatable {
    /// Which of the conversion's keys found it (lower is stronger).
    public var keyIndex: Int
    public var seq: Int64
    public var exposureID: String
    /// `click` or `impression`, as stored.
    public var kind: String
    public var time: Int64
    public var mediaBuyID: String
    public var packageID: String
    public var creativeID: String

    public init(
        keyIndex: Int, seq: Int64, exposureID: String, kind: String, time: Int64,
        mediaBuyID: String, packageID: String, creativeID: String
    ) {
        self.keyIndex = keyIndex
        self.seq = seq
        self.exposureID = exposureID
        self.kind = kind
        self.time = time
        self.mediaBuyID = mediaBuyID
        self.packageID = packageID
        self.creativeID = creativeID
    }
}

/// Where the attributor stands: the last conversion examined and the last
/// exposure visible to its decisions, both by seq.
public struct AttributionCursors: Sendable, Equatable {
    public var conversions: Int64
    public var exposures: Int64

    public init(conversions: Int64 = 0, exposures: Int64 = 0) {
        self.conversions = conversions
        self.exposures = exposures
    }
}

/// Why a conversion is in a pass, and what was recorded for it before.
public enum Examination: Sendable, Equatable {
    /// New: never decided; its keys get indexed.
    case first
    /// Re-examined because a late exposure may claim it; `previous` is its recorded status.
    case again(previous: AttributionStatus?)
    /// Rebuilt: its decision and keys are deleted, then it is decided afresh.
    case rebuilt(previous: AttributionStatus?)
}

/// Everything one pass decides from, read by the store in bulk.
public struct AttributionPassInput: Sendable {
    public struct Entry: Sendable, Equatable {
        public var conversion: PendingConversion
        public var examination: Examination
        /// The exposures up to the pass's horizon that share a key with the
        /// conversion inside its lookback.
        public var candidates: [CandidateExposure]
        /// What the conversion's previous decision credited, when it was
        /// attributed: withdrawn from the rollups if the decision changes.
        public var credited: ConversionCredit?

        public init(
            conversion: PendingConversion, examination: Examination, candidates: [CandidateExposure], credited: ConversionCredit? = nil
        ) {
            self.conversion = conversion
            self.examination = examination
            self.candidates = candidates
            self.credited = credited
        }
    }

    /// In arrival (seq) order.
    public var entries: [Entry]
    /// The seqs of the non-duplicate decisions recorded before the pass for
    /// the entries' ConversionKeys (at least those before the entry's seq).
    public var originals: [ConversionKey: [Int64]]
    public var windows: AttributionWindows
    /// The cursors as the pass read them.
    public var cursors: AttributionCursors
    /// The newest exposure seq the pass's exposure scan reached, if it read any.
    public var exposuresSeen: Int64?
    /// Milliseconds since the epoch, stamped on the records.
    public var at: Int64

    public init(
        entries: [Entry], originals: [ConversionKey: [Int64]], windows: AttributionWindows,
        cursors: AttributionCursors, exposuresSeen: Int64? = nil, at: Int64
    ) {
        self.entries = entries
        self.originals = originals
        self.windows = windows
        self.cursors = cursors
        self.exposuresSeen = exposuresSeen
        self.at = at
    }
}

/// A decision to write: one row of `attributions`.
public struct AttributionRecord: Sendable, Equatable {
    public var conversion: PendingConversion
    public var status: AttributionStatus
    /// The seq of the conversion this one duplicates.
    public var duplicateOf: Int64?
    public var decision: AttributionDecision?
    /// The exposure credited, when attributed.
    public var exposure: CandidateExposure?
    public var at: Int64

    public init(
        conversion: PendingConversion, status: AttributionStatus, duplicateOf: Int64? = nil,
        decision: AttributionDecision? = nil, exposure: CandidateExposure? = nil, at: Int64
    ) {
        self.conversion = conversion
        self.status = status
        self.duplicateOf = duplicateOf
        self.decision = decision
        self.exposure = exposure
        self.at = at
    }
}

/// A change to a source's hourly `attributed` counter (hour of `received_at`).
public struct AttributedCounterDelta: Sendable, Hashable {
    public var account: String
    public var source: String
    /// Hours since the epoch.
    public var hour: Int64
    public var delta: Int

    public init(account: String, source: String, hour: Int64, delta: Int) {
        self.account = account
        self.source = source
        self.hour = hour
        self.delta = delta
    }
}

/// What a pass writes, in one transaction and in this order: clear, index,
/// record, count, roll up, move cursors.
public struct AttributionPlan: Sendable, Equatable {
    /// Conversions whose earlier decision and indexed keys are deleted first (a rebuild).
    public var cleared: [Int64] = []
    /// Conversions whose keys are indexed, so late exposures can find them.
    public var indexed: [PendingConversion] = []
    /// The decisions, in arrival order.
    public var records: [AttributionRecord] = []
    /// Non-zero counter changes, ordered by account, source and hour.
    public var counters: [AttributedCounterDelta] = []
    /// Non-zero conversion rollup changes, ordered by key.
    public var rollups: [ConversionRollupDelta] = []
    public var cursors: AttributionCursors

    public init(cursors: AttributionCursors) {
        self.cursors = cursors
    }
}
