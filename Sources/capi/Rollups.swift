import ArgumentParser
import CAPIStore

struct Rollups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the hourly delivery rollups against raw rows (--verify), or recompute them (--rebuild).")
    @Flag(help: "Recompute the rollups from raw rows and compare; exits 1 on a difference.") var verify = false
    @Flag(help: "Replace the rollups with ones recomputed from raw rows, then verify.") var rebuild = false
    @Option(help: "Verify one account only.") var account: String?
    @OptionGroup var db: DatabaseOption

    func validate() throws {
        guard verify || rebuild else { throw ValidationError("give --verify or --rebuild") }
    }

    func run() async throws {
        let store = try await db.openStore(workload: .bulk)
        if rebuild {
            try await store.rebuildRollups()
            print("rebuilt the rollups from raw rows")
        }
        let check = try await store.verifyRollups(accountID: account)
        try await store.close()
        try Self.report(check)
    }

    /// Prints a verification's differences and its verdict; exits 1 when
    /// the rollups and the raw rows disagree.
    static func report(_ check: RollupCheck) throws {
        for difference in check.differences { print(difference) }
        print("compared \(check.exposureRows) exposure and \(check.conversionRows) conversion rollup rows: "
            + (check.agrees ? "they agree" : "\(check.differences.count) differ"))
        if !check.agrees { throw ExitCode(1) }
    }
}
