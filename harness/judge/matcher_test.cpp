#include "harness/judge/matcher.h"

#include <gtest/gtest.h>

namespace doc::harness {
namespace {

// Patterns and observations are written as JSON text so each test reads like a scenario.
std::optional<Mismatch> matchText(const std::string& pattern, const std::string& actual,
                                  const std::map<std::string, Json>* observations = nullptr) {
  return match(Json::parse(pattern), Json::parse(actual), MatchContext{observations});
}

bool matches(const std::string& pattern, const std::string& actual) {
  return !matchText(pattern, actual).has_value();
}

std::optional<std::string> validateText(const std::string& pattern) {
  return validatePattern(Json::parse(pattern));
}

// Plain values, objects and lists.

TEST(Matcher, EqualScalarsMatch) {
  EXPECT_TRUE(matches(R"("Hello")", R"("Hello")"));
  EXPECT_TRUE(matches("true", "true"));
  EXPECT_TRUE(matches("null", "null"));
}

TEST(Matcher, DifferentScalarsDoNotMatchAndTheProblemShowsBoth) {
  const auto mismatch = matchText("1000", "1006");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/");
  EXPECT_EQ(mismatch->problem, "expected 1000, got 1006");
}

TEST(Matcher, AnIntegerEqualsTheSameNumberWrittenAsAFloat) {
  EXPECT_TRUE(matches("200", "200.0"));
  EXPECT_TRUE(matches("200.0", "200"));
  EXPECT_TRUE(matches(R"({"status": 200})", R"({"status": 200.0})"));
}

TEST(Matcher, ANumberDoesNotEqualTheSameDigitsAsAString) {
  EXPECT_FALSE(matches("200", R"("200")"));
  EXPECT_FALSE(matches(R"("200")", "200"));
}

TEST(Matcher, AnExtraFieldInTheObservationIsFine) {
  EXPECT_TRUE(matches(R"({"status": 200})", R"({"status": 200, "body": "x"})"));
}

TEST(Matcher, AnEmptyObjectPatternMatchesAnyObjectButNotAList) {
  EXPECT_TRUE(matches("{}", R"({"a": 1})"));
  EXPECT_FALSE(matches("{}", "[]"));
}

TEST(Matcher, AMissingFieldIsReportedAtItsPath) {
  const auto mismatch = matchText(R"({"json": {"ok": true}})", R"({"json": {}})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/json/ok");
  EXPECT_EQ(mismatch->problem, "expected true, but there is no such field");
}

TEST(Matcher, AnObjectPatternAgainstAScalarSaysWhatCameInstead) {
  const auto mismatch = matchText(R"({"json": {"ok": true}})", R"({"json": "oops"})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/json");
  EXPECT_EQ(mismatch->problem, R"(expected an object, got "oops")");
}

TEST(Matcher, AMismatchDeepInAListNamesTheElementsIndex) {
  const auto mismatch =
      matchText(R"({"events": [{"code": 1}, {"code": 2}, {"code": 3}, {"code": 1000}]})",
                R"({"events": [{"code": 1}, {"code": 2}, {"code": 3}, {"code": 1006}]})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/events/3/code");
  EXPECT_EQ(mismatch->problem, "expected 1000, got 1006");
}

TEST(Matcher, AListOfAnotherLengthDoesNotMatchAndTheProblemGivesBothLengths) {
  const auto mismatch = matchText(R"({"events": [1, 2]})", R"({"events": [1, 2, 3]})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/events");
  EXPECT_EQ(mismatch->problem, "expected a list of 2, got 3: [1,2,3]");
}

TEST(Matcher, AnEmptyListPatternMatchesOnlyAnEmptyList) {
  EXPECT_TRUE(matches(R"({"events": []})", R"({"events": []})"));
  EXPECT_FALSE(matches(R"({"events": []})", R"({"events": [{"event": "constructor"}]})"));
}

TEST(Matcher, AListPatternAgainstAnObjectSaysItExpectedAList) {
  const auto mismatch = matchText("[1]", R"({"a": 1})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, R"(expected a list, got {"a":1})");
}

TEST(Matcher, AVeryLongObservationIsShortenedInTheMessage) {
  const Json pattern = "short";
  const Json actual = std::string(1000, 'x');
  const auto mismatch = match(pattern, actual, MatchContext{});
  ASSERT_TRUE(mismatch);
  EXPECT_LT(mismatch->problem.size(), 400u);
  EXPECT_TRUE(mismatch->problem.ends_with("...")) << mismatch->problem;
}

// $regex

TEST(Matcher, RegexMatchesAStringContainingTheExpression) {
  EXPECT_TRUE(matches(R"({"$regex": "^text/plain"})", R"("text/plain;charset=UTF-8")"));
}

TEST(Matcher, RegexRejectsAStringThatDoesNotMatch) {
  const auto mismatch =
      matchText(R"({"ct": {"$regex": "^text/plain"}})", R"({"ct": "application/json"})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/ct");
  EXPECT_EQ(mismatch->problem,
            R"(expected a string matching /^text/plain/, got "application/json")");
}

TEST(Matcher, RegexRejectsANonString) {
  EXPECT_FALSE(matches(R"({"$regex": "1"})", "1"));
}

// $absent

TEST(Matcher, AbsentTrueMatchesAMissingField) {
  EXPECT_TRUE(matches(R"({"error": {"$absent": true}})", R"({"ok": true})"));
}

TEST(Matcher, AbsentTrueRejectsAPresentFieldAndShowsItsValue) {
  const auto mismatch =
      matchText(R"({"error": {"$absent": true}})", R"({"ok": true, "error": "boom"})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/error");
  EXPECT_EQ(mismatch->problem, R"(expected no value, got "boom")");
}

TEST(Matcher, AbsentFalseMatchesAPresentFieldOfAnyValue) {
  EXPECT_TRUE(matches(R"({"error": {"$absent": false}})", R"({"error": null})"));
}

TEST(Matcher, AbsentFalseRejectsAMissingField) {
  const auto mismatch = matchText(R"({"error": {"$absent": false}})", "{}");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/error");
  EXPECT_NE(mismatch->problem.find("no such field"), std::string::npos) << mismatch->problem;
}

// $ne

TEST(Matcher, NotEqualMatchesAnotherValue) {
  EXPECT_TRUE(matches(R"({"$ne": 0})", "1"));
  EXPECT_TRUE(matches(R"({"$ne": "a"})", "1"));
}

TEST(Matcher, NotEqualRejectsTheSameValueEvenWrittenAsAFloat) {
  const auto mismatch = matchText(R"({"$ne": 200})", "200.0");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, "expected anything but 200");
}

// $type

TEST(Matcher, TypeNamesEachJsonType) {
  EXPECT_TRUE(matches(R"({"$type": "number"})", "3"));
  EXPECT_TRUE(matches(R"({"$type": "number"})", "3.5"));
  EXPECT_TRUE(matches(R"({"$type": "number"})", "-3"));
  EXPECT_TRUE(matches(R"({"$type": "string"})", R"("3")"));
  EXPECT_TRUE(matches(R"({"$type": "boolean"})", "false"));
  EXPECT_TRUE(matches(R"({"$type": "null"})", "null"));
  EXPECT_TRUE(matches(R"({"$type": "array"})", "[]"));
  EXPECT_TRUE(matches(R"({"$type": "object"})", "{}"));
}

TEST(Matcher, TypeRejectsAValueOfAnotherType) {
  const auto mismatch = matchText(R"({"ts": {"$type": "number"}})", R"({"ts": "12"})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/ts");
  EXPECT_EQ(mismatch->problem, R"(expected a number, got "12")");
}

// $sameAs and $notSameAs

TEST(Matcher, SameAsMatchesTheValueAnEarlierStepObserved) {
  const std::map<std::string, Json> observations = {
      {"first", Json::parse(R"({"json": {"id": "abc"}})")}};
  EXPECT_FALSE(matchText(R"({"json": {"id": {"$sameAs": "first/json/id"}}})",
                         R"({"json": {"id": "abc"}})", &observations));
}

TEST(Matcher, SameAsWithoutAPointerRefersToTheWholeObservation) {
  const std::map<std::string, Json> observations = {{"first", Json::parse(R"({"a": 1})")}};
  EXPECT_FALSE(matchText(R"({"$sameAs": "first"})", R"({"a": 1.0})", &observations));
}

TEST(Matcher, SameAsRejectsADifferentValueAndShowsBoth) {
  const std::map<std::string, Json> observations = {{"first", Json::parse(R"({"id": "abc"})")}};
  const auto mismatch =
      matchText(R"({"id": {"$sameAs": "first/id"}})", R"({"id": "xyz"})", &observations);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/id");
  EXPECT_EQ(mismatch->problem, R"(expected the same value as first/id ("abc"), got "xyz")");
}

TEST(Matcher, SameAsAStepThatHasNotRunIsAMismatchNamingTheStep) {
  const std::map<std::string, Json> observations = {{"first", Json::object()}};
  const auto mismatch =
      matchText(R"({"id": {"$sameAs": "later/id"}})", R"({"id": "abc"})", &observations);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/id");
  EXPECT_EQ(mismatch->problem, R"($sameAs refers to step "later", which has not run)");
}

TEST(Matcher, SameAsWithNoObservationsAtAllIsAMismatchNotACrash) {
  const auto mismatch = matchText(R"({"$sameAs": "first/id"})", R"("abc")");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, R"($sameAs refers to step "first", which has not run)");
}

TEST(Matcher, SameAsAFieldTheStepDidNotObserveIsAMismatch) {
  const std::map<std::string, Json> observations = {{"first", Json::parse(R"({"id": "abc"})")}};
  const auto mismatch = matchText(R"({"$sameAs": "first/nope"})", R"("abc")", &observations);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, "$sameAs refers to first/nope, which that step did not observe");
}

TEST(Matcher, NotSameAsMatchesADifferentValue) {
  const std::map<std::string, Json> observations = {{"a", Json::parse(R"({"id": "abc"})")}};
  EXPECT_FALSE(matchText(R"({"$notSameAs": "a/id"})", R"("xyz")", &observations));
}

TEST(Matcher, NotSameAsRejectsTheSameValue) {
  const std::map<std::string, Json> observations = {{"a", Json::parse(R"({"id": "abc"})")}};
  const auto mismatch = matchText(R"({"$notSameAs": "a/id"})", R"("abc")", &observations);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, R"(expected a value different from a/id, got the same: "abc")");
}

TEST(Matcher, NotSameAsAStepThatHasNotRunIsAMismatchToo) {
  const auto mismatch = matchText(R"({"$notSameAs": "a/id"})", R"("abc")");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, R"($notSameAs refers to step "a", which has not run)");
}

// $length

TEST(Matcher, LengthCountsListElementsStringCharactersAndObjectFields) {
  EXPECT_TRUE(matches(R"({"$length": 3})", "[1, 2, 3]"));
  EXPECT_TRUE(matches(R"({"$length": 5})", R"("hello")"));
  EXPECT_TRUE(matches(R"({"$length": 2})", R"({"a": 1, "b": 2})"));
}

TEST(Matcher, LengthTakesAPatternForTheLength) {
  EXPECT_TRUE(matches(R"({"$length": {"$gte": 2}})", "[1, 2, 3]"));
  EXPECT_FALSE(matches(R"({"$length": {"$gte": 4}})", "[1, 2, 3]"));
}

TEST(Matcher, LengthRejectsAnotherLengthAndSaysWhichItWas) {
  const auto mismatch = matchText(R"({"keys": {"$length": 2}})", R"({"keys": ["a", "b", "c"]})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/keys");
  EXPECT_EQ(mismatch->problem, "length 3: expected 2, got 3");
}

TEST(Matcher, LengthRejectsSomethingWithoutALength) {
  const auto mismatch = matchText(R"({"$length": 1})", "7");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, "expected something with a length, got 7");
}

// $contains

TEST(Matcher, ContainsMatchesAListWithOneMatchingElement) {
  EXPECT_TRUE(matches(R"({"$contains": {"event": "fetch"}})",
                      R"([{"event": "constructor"}, {"event": "fetch", "path": "/"}])"));
}

TEST(Matcher, ContainsRejectsAListWithoutAMatchingElement) {
  const auto mismatch = matchText(R"({"events": {"$contains": {"event": "alarm"}}})",
                                  R"({"events": [{"event": "constructor"}]})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/events");
  EXPECT_NE(mismatch->problem.find(R"({"event":"alarm"})"), std::string::npos) << mismatch->problem;
}

TEST(Matcher, ContainsRejectsSomethingThatIsNotAList) {
  EXPECT_FALSE(matches(R"({"$contains": "a"})", R"("abc")"));
}

// $containsInOrder

TEST(Matcher, ContainsInOrderAllowsOtherElementsInBetween) {
  EXPECT_TRUE(matches(R"({"$containsInOrder": [{"event": "constructor"}, {"event": "fetch"}]})",
                      R"([{"event": "constructor"}, {"event": "alarm"}, {"event": "fetch"}])"));
}

TEST(Matcher, ContainsInOrderRejectsTheElementsInTheWrongOrder) {
  const auto mismatch = matchText(
      R"({"events": {"$containsInOrder": [{"event": "constructor"}, {"event": "fetch"}]}})",
      R"({"events": [{"event": "fetch"}, {"event": "constructor"}]})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/events");
  EXPECT_EQ(mismatch->problem,
            R"(element 1 of the expected sequence, {"event":"fetch"}, was not found in order)");
}

TEST(Matcher, ContainsInOrderNeedsOneObservedElementForEachExpectedOne) {
  EXPECT_FALSE(matches(R"({"$containsInOrder": [1, 1]})", "[1]"));
  EXPECT_TRUE(matches(R"({"$containsInOrder": [1, 1]})", "[1, 2, 1]"));
}

TEST(Matcher, ContainsInOrderOfNothingMatchesAnyList) {
  EXPECT_TRUE(matches(R"({"$containsInOrder": []})", "[]"));
  EXPECT_FALSE(matches(R"({"$containsInOrder": []})", "{}"));
}

TEST(Matcher, ContainsInOrderFindsTheLastElementOfTheList) {
  EXPECT_TRUE(matches(R"({"$containsInOrder": [3]})", "[1, 2, 3]"));
  EXPECT_FALSE(matches(R"({"$containsInOrder": [4]})", "[1, 2, 3]"));
}

// $count

TEST(Matcher, CountMatchesTheNumberOfElementsMatchingWhere) {
  const std::string events =
      R"([{"event": "constructor"}, {"event": "fetch"}, {"event": "fetch"}])";
  EXPECT_TRUE(matches(R"({"$count": {"where": {"event": "fetch"}, "is": 2}})", events));
  EXPECT_TRUE(matches(R"({"$count": {"where": {"event": "alarm"}, "is": 0}})", events));
  EXPECT_TRUE(matches(R"({"$count": {"where": {"event": "fetch"}, "is": {"$gte": 1}}})", events));
}

TEST(Matcher, CountRejectsAnotherNumberAndSaysHowManyMatched) {
  const auto mismatch =
      matchText(R"({"events": {"$count": {"where": {"event": "constructor"}, "is": 1}}})",
                R"({"events": [{"event": "constructor"}, {"event": "constructor"}]})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/events");
  EXPECT_EQ(mismatch->problem, R"(2 elements match {"event":"constructor"}: expected 1, got 2)");
}

TEST(Matcher, CountRejectsSomethingThatIsNotAList) {
  EXPECT_FALSE(matches(R"({"$count": {"where": 1, "is": 0}})", "{}"));
}

// $gte, $lte, $gt, $lt

TEST(Matcher, ComparisonsHoldAtAndAroundTheirBounds) {
  EXPECT_TRUE(matches(R"({"$gte": 5})", "5"));
  EXPECT_TRUE(matches(R"({"$gte": 5})", "6"));
  EXPECT_FALSE(matches(R"({"$gte": 5})", "4.9"));
  EXPECT_TRUE(matches(R"({"$lte": 5})", "5"));
  EXPECT_FALSE(matches(R"({"$lte": 5})", "5.1"));
  EXPECT_TRUE(matches(R"({"$gt": 5})", "5.1"));
  EXPECT_FALSE(matches(R"({"$gt": 5})", "5"));
  EXPECT_TRUE(matches(R"({"$lt": 5})", "4"));
  EXPECT_FALSE(matches(R"({"$lt": 5})", "5"));
}

TEST(Matcher, TwoComparisonsInOneObjectMakeARange) {
  EXPECT_TRUE(matches(R"({"$gte": 1, "$lt": 10})", "9"));
  EXPECT_FALSE(matches(R"({"$gte": 1, "$lt": 10})", "10"));
  EXPECT_FALSE(matches(R"({"$gte": 1, "$lt": 10})", "0"));
}

TEST(Matcher, AComparisonSaysWhichBoundFailed) {
  const auto mismatch = matchText(R"({"retryCount": {"$gt": 2}})", R"({"retryCount": 1})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/retryCount");
  EXPECT_EQ(mismatch->problem, "expected gt 2, got 1");
}

TEST(Matcher, AComparisonRejectsANumberWrittenAsAString) {
  const auto mismatch = matchText(R"({"$gte": 1})", R"("5")");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->problem, R"(expected a number, got "5")");
}

// $anyOf

TEST(Matcher, AnyOfMatchesWhenOneOptionMatches) {
  EXPECT_TRUE(matches(R"({"$anyOf": [500, {"$gte": 400}]})", "404"));
  EXPECT_TRUE(matches(R"({"$anyOf": [{"$type": "null"}, {"$regex": "^T"}]})", R"("TypeError")"));
}

TEST(Matcher, AnyOfRejectsWhenNoOptionMatches) {
  const auto mismatch = matchText(R"({"status": {"$anyOf": [500, 503]}})", R"({"status": 200})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/status");
  EXPECT_EQ(mismatch->problem, "expected one of [500,503], got 200");
}

// Operators nested in fields and fields nested in operators.

TEST(Matcher, AnOperatorDeepInAPatternReportsItsOwnPath) {
  const auto mismatch =
      matchText(R"({"json": {"result": {"events": [{"ts": {"$type": "number"}}]}}})",
                R"({"json": {"result": {"events": [{"ts": null}]}}})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/json/result/events/0/ts");
}

// A mismatch path is a JSON pointer, so a field named with '/' or '~' is escaped (RFC 6901).
// DISABLED: the matcher joins field names with '/' unescaped; see the report.
TEST(Matcher, AFieldNameWithASlashIsEscapedInTheMismatchPath) {
  const auto mismatch =
      matchText(R"({"headers": {"a/b~c": "1"}})", R"({"headers": {"a/b~c": "2"}})");
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->path, "/headers/a~1b~0c");
}

// Numbers compare by value; integers beyond 2^53 must not be rounded into each other.
// DISABLED: sameValue() compares every pair of numbers as doubles; see the report.
TEST(Matcher, TwoDifferentLargeIntegersAreNotEqual) {
  EXPECT_FALSE(matches("9007199254740993", "9007199254740992"));
}

// validatePattern

TEST(ValidatePattern, AcceptsEveryOperatorWithItsArgument) {
  EXPECT_FALSE(validateText(R"({
    "a": {"$regex": "^x"}, "b": {"$absent": true}, "c": {"$ne": 1}, "d": {"$type": "number"},
    "e": {"$sameAs": "s/x"}, "f": {"$notSameAs": "s/x"}, "g": {"$length": {"$gte": 1}},
    "h": {"$contains": {"k": 1}}, "i": {"$containsInOrder": [1, 2]},
    "j": {"$count": {"where": {"k": 1}, "is": 2}}, "k": {"$gte": 1, "$lte": 2},
    "l": {"$gt": 0.5, "$lt": 3}, "m": {"$anyOf": [1, {"$type": "string"}]}
  })"));
}

TEST(ValidatePattern, AcceptsPlainValuesListsAndNestedObjects) {
  EXPECT_FALSE(validateText(R"({"status": 200, "json": {"list": [1, "a", null, {"b": true}]}})"));
  EXPECT_FALSE(validateText("[]"));
  EXPECT_FALSE(validateText("3"));
}

TEST(ValidatePattern, RejectsAnUnknownOperator) {
  EXPECT_EQ(validateText(R"({"status": {"$equals": 200}})"), R"(unknown operator "$equals")");
}

TEST(ValidatePattern, RejectsAnObjectMixingOperatorsAndFields) {
  const auto problem = validateText(R"({"status": {"$gte": 200, "code": 1}})");
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, R"(an object mixes operators and fields ("code"); nest one in the other)");
}

TEST(ValidatePattern, RejectsAFieldThatSortsBeforeAnOperator) {
  // "#" sorts before "$": the first key is a field, the second an operator.
  EXPECT_TRUE(validateText(R"({"#a": 1, "$regex": "x"})"));
}

TEST(ValidatePattern, RejectsABadRegularExpression) {
  EXPECT_EQ(validateText(R"({"$regex": "(unclosed"})"),
            "$regex /(unclosed/ is not a valid regular expression");
}

TEST(ValidatePattern, RejectsARegexThatIsNotAString) {
  EXPECT_EQ(validateText(R"({"$regex": 1})"), "$regex takes a string");
}

TEST(ValidatePattern, RejectsCountWithoutWhereOrIs) {
  const std::string problem = "$count takes {where: <pattern>, is: <pattern>}";
  EXPECT_EQ(validateText(R"({"$count": {"is": 1}})"), problem);
  EXPECT_EQ(validateText(R"({"$count": {"where": {"a": 1}}})"), problem);
  EXPECT_EQ(validateText(R"({"$count": {"where": 1, "is": 1, "extra": 1}})"), problem);
  EXPECT_EQ(validateText(R"({"$count": 2})"), problem);
}

TEST(ValidatePattern, RejectsArgumentsOfTheWrongShape) {
  EXPECT_EQ(validateText(R"({"$absent": "yes"})"), "$absent takes true or false");
  EXPECT_EQ(validateText(R"({"$type": 1})"), "$type takes a string");
  EXPECT_EQ(validateText(R"({"$sameAs": ["a"]})"), "$sameAs takes a string");
  EXPECT_EQ(validateText(R"({"$notSameAs": 1})"), "$notSameAs takes a string");
  EXPECT_EQ(validateText(R"({"$gte": "1"})"), "$gte takes a number");
  EXPECT_EQ(validateText(R"({"$lt": null})"), "$lt takes a number");
  EXPECT_EQ(validateText(R"({"$containsInOrder": {"a": 1}})"), "$containsInOrder takes a list");
  EXPECT_EQ(validateText(R"({"$anyOf": 1})"), "$anyOf takes a list");
}

TEST(ValidatePattern, FindsABadOperatorNestedInsideListsAndOperators) {
  EXPECT_EQ(validateText(R"({"events": [{"a": {"$nope": 1}}]})"), R"(unknown operator "$nope")");
  EXPECT_EQ(validateText(R"({"$count": {"where": {"$nope": 1}, "is": 1}})"),
            R"(unknown operator "$nope")");
  EXPECT_EQ(validateText(R"({"$anyOf": [1, {"$regex": "["}]})"),
            "$regex /[/ is not a valid regular expression");
}

// A $type that names no JSON type can never match, so it is a scenario bug to catch at load.
// DISABLED: validatePattern accepts any string; see the report.
TEST(ValidatePattern, RejectsATypeThatNamesNoJsonType) {
  EXPECT_TRUE(validateText(R"({"$type": "integer"})"));
}

}  // namespace
}  // namespace doc::harness
