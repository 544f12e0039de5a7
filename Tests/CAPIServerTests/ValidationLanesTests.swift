@testable import CAPIServer
import Testing

/// A large batch's runs are read on every core but the writer's.
@Suite struct ValidationLanesTests {
    @Test func oneCoreIsLeftToTheWriter() {
        #expect(ConversionService.validationLanes(runs: 10, cores: 2) == 1)
        #expect(ConversionService.validationLanes(runs: 10, cores: 8) == 7)
        // Never more lanes than runs, never none.
        #expect(ConversionService.validationLanes(runs: 3, cores: 8) == 3)
        #expect(ConversionService.validationLanes(runs: 10, cores: 1) == 1)
    }
}
