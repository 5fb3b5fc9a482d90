import { describe, expect, it } from "vitest";
import { CSVError, parseCSV } from "./csv";

describe("parseCSV", () => {
  const cases: [name: string, text: string, want: string[][]][] = [
    ["plain fields, LF", "a,b,c\n1,2,3\n", [["a", "b", "c"], ["1", "2", "3"]]],
    ["CRLF and no final line break", "a,b\r\n1,2", [["a", "b"], ["1", "2"]]],
    ["a lone CR ends a record too", "a,b\r1,2\r", [["a", "b"], ["1", "2"]]],
    ["a byte order mark is dropped", "\ufeffproductId,name\np1,Mug\n", [["productId", "name"], ["p1", "Mug"]]],
    ["commas inside quotes", 'p1,"Mug, blue",3\n', [["p1", "Mug, blue", "3"]]],
    ["doubled quotes are one quote", 'p1,"The ""Big"" Mug"\n', [["p1", 'The "Big" Mug']]],
    ["line breaks inside quotes (LF and CRLF) are kept", 'p1,"line 1\nline 2\r\nline 3",x\r\np2,y,z\r\n', [["p1", "line 1\nline 2\r\nline 3", "x"], ["p2", "y", "z"]]],
    ["empty fields, and an empty quoted one", 'a,,""\n,,\n', [["a", "", ""], ["", "", ""]]],
    ["a blank line is a record of one empty field", "a\n\nb\n", [["a"], [""], ["b"]]],
    ["spaces are kept", " a , b \n", [[" a ", " b "]]],
    ["non-ASCII text", "é,😀\n", [["é", "😀"]]],
    ["an empty file has no records", "", []],
  ];
  it.each(cases)("%s", (_, text, want) => {
    expect(parseCSV(text)).toEqual(want);
  });

  it("refuses a quoted field that is never closed, naming the line where it began", () => {
    expect(() => parseCSV('a,b\np1,"open\nstill open')).toThrow(CSVError);
    try {
      parseCSV('a,b\np1,"open\nstill open');
    } catch (e) {
      expect((e as CSVError).line).toBe(2);
      expect((e as CSVError).message).toBe("Line 2: a quoted field begins here and is never closed.");
    }
  });

  it("refuses text after a closing quote and a quote inside an unquoted field", () => {
    expect(() => parseCSV('"a"b,c\n')).toThrow(/must end at a comma/);
    expect(() => parseCSV('ab"c,d\n')).toThrow(/quote inside an unquoted field/);
  });
});
