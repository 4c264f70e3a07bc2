// TaskStore: search, and the FTS5 query it builds from what a person typed.

#include "tasks/task_rows_sqlite.h"
#include "tasks/task_store_test.h"

namespace taskwire::tasks {
namespace {

// FtsQuery ---------------------------------------------------------------------------------------

TEST(FtsQuery, QuotesEveryWordAndMakesTheLastAPrefix) {
  EXPECT_EQ(*FtsQuery("deploy"), "\"deploy\"*");
  EXPECT_EQ(*FtsQuery("  fix   the\tbuild \n"), "\"fix\" \"the\" \"build\"*");
}

TEST(FtsQuery, TakesOperatorsAndQuotesAsWords) {
  EXPECT_EQ(*FtsQuery("\"foo\" OR bar*"), "\"\"\"foo\"\"\" \"OR\" \"bar*\"*");
  EXPECT_EQ(*FtsQuery("NEAR(a b)"), "\"NEAR(a\" \"b)\"*");
  EXPECT_EQ(*FtsQuery("-x title:abc"), "\"-x\" \"title:abc\"*");
  EXPECT_EQ(*FtsQuery("\""), "\"\"\"\"*");
}

TEST(FtsQuery, RefusesEmptyAndOverlongQueries) {
  EXPECT_EQ(Code(FtsQuery("")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(FtsQuery(" \t\n ")), "INVALID_ARGUMENT");
  std::string twenty, twenty_one;
  for (int i = 0; i < 20; ++i) twenty += "w ";
  twenty_one = twenty + "w";
  EXPECT_EQ(Code(FtsQuery(twenty)), "OK");
  EXPECT_EQ(Code(FtsQuery(twenty_one)), "INVALID_ARGUMENT");
}

// Search -----------------------------------------------------------------------------------------

TEST_F(TaskStoreTest, SearchRanksTitlesFirstAndReturnsSnippets) {
  const Task body = MakeTask(ada_, "Zoo visit");
  ASSERT_TRUE(
      store_
          ->UpdateTask(ada_, body.id, {.description = Description{"we saw a kangaroo and a koala"}})
          .has_value());
  const Task title = MakeTask(ada_, "Kangaroo report");
  const Task message = MakeTask(ada_, "Unrelated");
  ASSERT_TRUE(
      store_->SendMessage(ada_, message.id, "a kangaroo jumped over the fence").has_value());
  MakeTask(ada_, "Nothing to see");
  auto page = store_->Search(ada_, "kangaroo", std::nullopt, 10, "");
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->hits.size(), 3u);
  EXPECT_EQ(page->hits[0].task.id, title.id);
  EXPECT_GE(page->hits[0].score, page->hits[1].score);
  EXPECT_GE(page->hits[1].score, page->hits[2].score);
  for (const SearchHit& hit : page->hits) {
    EXPECT_NE(hit.snippet.find("**"), std::string::npos) << hit.snippet;
    std::string lower = hit.snippet;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    EXPECT_NE(lower.find("**kangaroo**"), std::string::npos) << hit.snippet;
  }
  EXPECT_TRUE(page->next_cursor.empty());
  // The last word is a prefix; every word must match.
  EXPECT_EQ(store_->Search(ada_, "kanga", std::nullopt, 10, "")->hits.size(), 3u);
  EXPECT_EQ(store_->Search(ada_, "kangaroo koala", std::nullopt, 10, "")->hits.size(), 1u);
  EXPECT_TRUE(store_->Search(ada_, "wombat", std::nullopt, 10, "")->hits.empty());
}

TEST_F(TaskStoreTest, SearchFollowsEditsAndDeletes) {
  const Task task = MakeTask(ada_, "Alpha");
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Bravo"}).has_value());
  EXPECT_TRUE(store_->Search(ada_, "alpha", std::nullopt, 10, "")->hits.empty());
  EXPECT_EQ(store_->Search(ada_, "bravo", std::nullopt, 10, "")->hits.size(), 1u);
  ASSERT_TRUE(store_->DeleteTask(ada_, task.id).has_value());
  EXPECT_TRUE(store_->Search(ada_, "bravo", std::nullopt, 10, "")->hits.empty());
}

TEST_F(TaskStoreTest, SearchTakesFtsSyntaxInUserInputAsWords) {
  MakeTask(ada_, "title:abc and \"foo\" OR bar* NEAR(x) -x ^start");
  MakeTask(ada_, "plain");
  const std::vector<std::string> inputs = {
      "\"foo\" OR bar*",
      "NEAR(",
      "NEAR(a b",
      "-x",
      "title:abc",
      "\"",
      "\"\"",
      "'",
      "*",
      "**",
      "(",
      ")",
      "AND",
      "OR",
      "NOT",
      "foo AND",
      "NOT foo",
      "^start",
      "{title body}: x",
      "+",
      "a\"b",
      "title : abc",
      "\\",
      "%",
      "_",
      "foo\001bar",
      "\xff\xfe",
      "\xE2\x9C\x93",
      ":",
      "col:",
      "x NEAR/2 y",
      "-",
      "\"unterminated",
      "rank:",
      "{",
      "}",
      ",",
      ";",
      "--",
      "/*",
  };
  for (const std::string& input : inputs) {
    auto page = store_->Search(ada_, input, std::nullopt, 10, "");
    EXPECT_EQ(Code(page), "OK") << "query: " << input << ": " << ErrorText(page);
  }
  // Written the way the task says them, they find it.
  for (const char* input : {"title:abc", "\"foo\" OR bar*", "NEAR(x)", "-x", "^start"}) {
    auto page = store_->Search(ada_, input, std::nullopt, 10, "");
    ASSERT_EQ(Code(page), "OK") << input;
    EXPECT_EQ(page->hits.size(), 1u) << input;
  }
  for (const char* input : {"", "   ", "\t\n"}) {
    EXPECT_EQ(Code(store_->Search(ada_, input, std::nullopt, 10, "")), "INVALID_ARGUMENT") << input;
  }
  EXPECT_EQ(Code(store_->Search(ada_, std::string(kMaxSearchQuery + 1, 'q'), std::nullopt, 10, "")),
            "INVALID_ARGUMENT");
}

TEST_F(TaskStoreTest, SearchPagesWithACursor) {
  for (int i = 0; i < 7; ++i) MakeTask(ada_, "widget " + std::to_string(i));
  std::set<int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = store_->Search(ada_, "widget", std::nullopt, 3, cursor);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    for (const SearchHit& hit : page->hits) EXPECT_TRUE(seen.insert(hit.task.id).second);
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
  for (const std::string& bad :
       std::vector<std::string>{"!!!", base::Base64UrlEncode("x:3"), base::Base64UrlEncode("o:x"),
                                base::Base64UrlEncode("o:")}) {
    EXPECT_EQ(Code(store_->Search(ada_, "widget", std::nullopt, 3, bad)), "INVALID_ARGUMENT")
        << bad;
  }
}

TEST_F(TaskStoreTest, SearchNarrowsToOneOrganization) {
  const int64_t second = NewOrganization(ada_, "second");
  MakeTask(ada_, "gadget one", std::nullopt, acme_);
  const Task there = MakeTask(ada_, "gadget two", std::nullopt, second);
  EXPECT_EQ(store_->Search(ada_, "gadget", std::nullopt, 10, "")->hits.size(), 2u);
  auto narrowed = store_->Search(ada_, "gadget", second, 10, "");
  ASSERT_EQ(narrowed->hits.size(), 1u);
  EXPECT_EQ(narrowed->hits[0].task.id, there.id);
}

}  // namespace
}  // namespace taskwire::tasks
