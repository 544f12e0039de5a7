import CAPIStore
@testable import CAPIServer
import Testing

/// A large batch's runs are read on every core but the writer's.
@Suite struct ValidationLanesTests {
    /// Runs cover every event once, in order; a batch of several starts with
    /// short runs that grow (the writer waits for the first), a batch of one is one run.
    @Test(arguments: [1, 999, 1_000, 1_001, 1_250, 1_251, 2_500, 10_000])
    func runsCoverTheBatchInOrder(events: Int) {
        let sizes = RunSizes(leading: [250, 400, 650], steady: 1_000)
        let slices = sizes.slices(events: events)
        #expect(slices.first?.lowerBound == 0)
        #expect(slices.last?.upperBound == events)
        #expect(zip(slices, slices.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$1.isEmpty })
        #expect(slices.allSatisfy { $0.count <= sizes.steady })
        if events <= sizes.steady {
            #expect(slices == [0..<events])
        } else {
            #expect(slices[0] == 0..<sizes.leading[0])
            #expect(zip(slices, slices.dropFirst()).allSatisfy { $0.count <= $1.count || $1.upperBound == events })
        }
    }

    @Test func oneCoreIsLeftToTheWriter() {
        #expect(ConversionService.validationLanes(runs: 10, cores: 2) == 1)
        #expect(ConversionService.validationLanes(runs: 10, cores: 8) == 7)
        // Never more lanes than runs, never none.
        #expect(ConversionService.validationLanes(runs: 3, cores: 8) == 3)
        #expect(ConversionService.validationLanes(runs: 10, cores: 1) == 1)
    }
}
