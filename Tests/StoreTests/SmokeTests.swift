import Testing
@testable import Store
@Test func placeholder() { #expect(1 + 1 == 2) }
