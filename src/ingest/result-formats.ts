/** What test-results may match, said the same way by every "this is not a result file" line of ingest. */
export const ONLY_RESULT_FILES =
  'test-results must match only result files: XML (JUnit, TRX, NUnit 3, xUnit.net v2) or JSON (CTRF, go test -json, RSpec, mocha, Dart); see "Result formats" in the README.';
