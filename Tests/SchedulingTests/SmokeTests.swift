import Testing
@testable import Scheduling
@Test func placeholder() { #expect(1 + 1 == 2) }
