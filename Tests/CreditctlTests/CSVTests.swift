import Testing
@testable import creditctl

@Suite("RFC 4180 CSV")
struct CSVTests {
    @Test func plainRecordsAndLineNumbers() {
        let (records, problems) = CSV.parse(Array("a,b,c\r\n1,2,3\n\n4,,6\n".utf8))
        #expect(problems.isEmpty)
        #expect(records == [
            CSVRecord(line: 1, fields: ["a", "b", "c"]),
            CSVRecord(line: 2, fields: ["1", "2", "3"]),
            CSVRecord(line: 4, fields: ["4", "", "6"]),
        ])
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() {
        let text = "id,note\n1,\"hello, \"\"world\"\"\"\n2,\"two\r\nlines\"\n3,last\n"
        let (records, problems) = CSV.parse(Array(text.utf8))
        #expect(problems.isEmpty)
        #expect(records.map(\.fields) == [["id", "note"], ["1", "hello, \"world\""], ["2", "two\r\nlines"], ["3", "last"]])
        // The record after a two-line field starts on line 5, which is what a user's editor shows.
        #expect(records.map(\.line) == [1, 2, 3, 5])
    }

    @Test func noFinalNewlineAndTrailingEmptyField() {
        let (records, _) = CSV.parse(Array("a,b\n1,".utf8))
        #expect(records.last == CSVRecord(line: 2, fields: ["1", ""]))
    }

    @Test func byteOrderMarkIsSkipped() {
        let (records, _) = CSV.parse([0xEF, 0xBB, 0xBF] + Array("client_id\nx\n".utf8))
        #expect(records.first?.fields == ["client_id"])
    }

    @Test func malformedRecordsAreReportedAndParsingGoesOn() {
        let text = "a,b\n1,x\"y\n2,\"ok\"junk\n3,fine\n4,\"never closed\n"
        let (records, problems) = CSV.parse(Array(text.utf8))
        #expect(problems.map(\.line) == [2, 3, 5])
        #expect(records.map(\.fields) == [["a", "b"], ["3", "fine"]])
    }

    @Test func invalidUTF8IsAProblem() {
        let (_, problems) = CSV.parse(Array("a\n".utf8) + [0xFF, 0xFE] + Array("\n".utf8))
        #expect(problems.count == 1)
        #expect(problems.first?.line == 2)
    }

    @Test func writerQuotesOnlyWhenNeeded() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.row(["1", "x,y", ""]) == "1,\"x,y\",\r\n")
    }

    @Test func writeThenReadRoundTrips() {
        let rows = [["id", "note"], ["1", "comma, quote \" and\nnewline"], ["2", ""], ["3", "  spaced  "]]
        let text = rows.map(CSV.row).joined()
        let (records, problems) = CSV.parse(Array(text.utf8))
        #expect(problems.isEmpty)
        #expect(records.map(\.fields) == rows)
    }
}
