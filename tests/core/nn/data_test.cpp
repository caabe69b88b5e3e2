// Data sets: NumPy's randn re-implemented, the planar flower, two moons, the
// CSV loader and its errors, standardization.
#include "dagrad/data.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/error_message.hpp"

namespace dagrad {
namespace {

// A (n, 1) column of labels or logits.
Tensor column(std::vector<double> values) {
  Shape shape{std::int64_t(values.size()), 1};
  return Tensor(shape, std::move(values));
}

namespace fs = std::filesystem;

TEST(NumpyRandn, MatchesNumpySeedOne) {
  // np.random.seed(1); np.random.randn(6) prints
  // [ 1.62434536 -0.61175641 -0.52817175 -1.07296862  0.86540763 -2.3015387 ];
  // the first in full is 1.6243453636632417.
  NumpyRandn randn(1);
  const double printed[] = {1.62434536, -0.61175641, -0.52817175, -1.07296862, 0.86540763, -2.3015387};
  double first = randn();
  EXPECT_DOUBLE_EQ(first, 1.6243453636632417);
  EXPECT_NEAR(first, printed[0], 5e-9);
  for (int i = 1; i < 6; ++i) EXPECT_NEAR(randn(), printed[i], 5e-9) << i;
}

TEST(PlanarFlower, ShapeClassesAndTheCourseFormula) {
  Dataset data = planar_flower();
  ASSERT_EQ(data.x.shape(), (Shape{400, 2}));
  ASSERT_EQ(data.y.shape(), (Shape{400, 1}));
  EXPECT_EQ(data.classes, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(data.feature_names, (std::vector<std::string>{"x1", "x2"}));
  for (std::int64_t i = 0; i < 400; ++i) EXPECT_EQ(data.y[i], i < 200 ? 0.0 : 1.0);
  // Row 0: t = linspace(0, 3.12, 200)[0] + 0.2 * randn #1; r = 4 sin(4t) + 0.2 * randn #201.
  NumpyRandn randn(1);
  double t = 0.2 * randn();
  for (int i = 1; i < 200; ++i) randn();
  double r = 4 * std::sin(4 * t) + 0.2 * randn();
  EXPECT_DOUBLE_EQ(data.x.at({0, 0}), r * std::sin(t));
  EXPECT_DOUBLE_EQ(data.x.at({0, 1}), r * std::cos(t));
  // Every point lies within the petals' ray plus the noise.
  for (std::int64_t i = 0; i < 400; ++i) {
    EXPECT_LT(std::hypot(data.x.at({i, 0}), data.x.at({i, 1})), 5.0);
  }
  EXPECT_TRUE(planar_flower().x == data.x);        // fixed seed: the same points
  EXPECT_FALSE(planar_flower(400, 2).x == data.x);  // another seed: others
}

TEST(TwoMoons, BalancedNoisyAndRepeatable) {
  Dataset data = two_moons(300, 0.1, 5);
  ASSERT_EQ(data.x.shape(), (Shape{300, 2}));
  double ones = 0;
  for (double v : data.y) ones += v;
  EXPECT_EQ(ones, 150);
  // Without noise, class 0 lies on the unit upper half circle.
  Dataset clean = two_moons(100, 0.0, 5);
  for (std::int64_t i = 0; i < 100; ++i) {
    double x = clean.x.at({i, 0}), y = clean.x.at({i, 1});
    if (clean.y[i] == 0) {
      EXPECT_NEAR(x * x + y * y, 1.0, 1e-12);
    } else {
      EXPECT_NEAR((x - 1) * (x - 1) + (y - 0.5) * (y - 0.5), 1.0, 1e-12);
    }
  }
  EXPECT_TRUE(two_moons(300, 0.1, 5).x == data.x);
  EXPECT_THROW(two_moons(1), Error);
}

class Csv : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           fmt::format("dagrad_csv_{}_{}", ::testing::UnitTest::GetInstance()->current_test_info()->name(), ::getpid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  // The FileError message of loading `text`.
  std::string error_of(const std::string& text, CsvOptions options = {}) {
    std::string path = write("bad.csv", text);
    try {
      load_csv(path, options);
    } catch (const FileError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path dir_;
};

TEST_F(Csv, LoadsFeaturesAndLabelByName) {
  std::string path = write("ok.csv", "a, label ,b\r\n1.5,1,2\n\n-3,0,4e1\n0.25,1,-0\n");
  Dataset data = load_csv(path);
  EXPECT_EQ(data.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(data.label_name, "label");
  EXPECT_TRUE(data.x == (Tensor{{1.5, 2}, {-3, 40}, {0.25, 0}}));
  EXPECT_TRUE(data.y == (column({1, 0, 1})));
  EXPECT_EQ(data.classes, (std::vector<std::string>{"0", "1"}));
}

TEST_F(Csv, NumericLabelsSortByValueAndNamesAlphabetically) {
  Dataset numbers = load_csv(write("n.csv", "x,y\n1,10\n2,2\n3,2.0\n"), {"y", {}});
  EXPECT_EQ(numbers.classes, (std::vector<std::string>{"2", "10"}));
  EXPECT_TRUE(numbers.y == (column({1, 0, 0})));
  Dataset names = load_csv(write("s.csv", "x,species\n1,virginica\n2,setosa\n3,versicolor\n"), {"species", {}});
  EXPECT_EQ(names.classes, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_TRUE(names.y == (column({2, 0, 1})));
  // A test set takes the training set's classes.
  Dataset test = load_csv(write("t.csv", "x,species\n1,versicolor\n"), {"species", names.classes});
  EXPECT_TRUE(test.y == (column({1})));
}

TEST_F(Csv, BadRowsNameFileLineAndReason) {
  std::string path = (dir_ / "bad.csv").string();
  EXPECT_EQ(error_of("a,b,label\n1,2,0\n1,2\n"), path + ":3: expected 3 fields, as in the header, found 2");
  EXPECT_EQ(error_of("a,b,label\n1,2,0\n\n1,abc,1\n"), path + ":4: column \"b\": \"abc\" is not a number");
  EXPECT_EQ(error_of("a,b,label\n1,,0\n"), path + ":2: column \"b\" is empty");
  EXPECT_EQ(error_of("a,b,label\n1,inf,0\n"), path + ":2: column \"b\": \"inf\" is not a finite number");
  EXPECT_EQ(error_of("a,b,label\n1,2,\n"), path + ":2: the label \"label\" is empty");
  EXPECT_EQ(error_of("a,b,label\n1,2,7\n", {"label", {"0", "1"}}),
            path + ":2: label \"7\" is not one of the known classes (0, 1)");
}

TEST_F(Csv, BadHeadersAndFiles) {
  std::string path = (dir_ / "bad.csv").string();
  EXPECT_EQ(error_of("a,b,c\n1,2,3\n"), path + ": no label column named \"label\"; the columns are: a, b, c");
  EXPECT_EQ(error_of(""), path + ": the file is empty; expected a header row of column names");
  EXPECT_EQ(error_of("a,label\n"), path + ": a header but no data rows");
  EXPECT_EQ(error_of("a,a,label\n1,2,3\n"), path + ":1: column \"a\" appears twice in the header");
  EXPECT_EQ(error_of("label\n1\n"), path + ": only the label column \"label\": no feature columns");
  std::string missing = (dir_ / "missing.csv").string();
  try {
    load_csv(missing);
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open \"" + missing + "\": No such file or directory");
  }
}

TEST(Standardizer, ZeroMeanUnitScaleAndConstantColumns) {
  Tensor x{{1, 5}, {3, 5}, {5, 5}};
  Standardizer s = Standardizer::fit(x);
  EXPECT_TRUE(s.mean == (Tensor{3, 5}));
  EXPECT_DOUBLE_EQ(s.scale[0], std::sqrt(8.0 / 3.0));
  EXPECT_EQ(s.scale[1], 1.0);  // a constant column is left at scale 1
  s.apply(x);
  EXPECT_DOUBLE_EQ(x.at({0, 0}), -2 / std::sqrt(8.0 / 3.0));
  EXPECT_EQ(x.at({2, 1}), 0.0);
  Tensor wrong(Shape{2, 3});
  EXPECT_THROW(s.apply(wrong), ShapeError);
}

// A label that reads as a non-finite number equals no class and broke the
// sorted class order (issue 16).
TEST_F(Csv, NonFiniteLabelsAndDirectoriesAreRejected) {
  for (const char* label : {"nan", "inf", "-inf", "NaN"}) {
    std::string file = write("labels.csv", fmt::format("a,label\n1,0\n2,{}\n", label));
    EXPECT_EQ(testing_support::error_message<FileError>([&] { load_csv(file); }),
              fmt::format("{}:3: the label \"{}\" is not a finite number; labels are class numbers or names", file,
                          label));
  }
  EXPECT_EQ(testing_support::error_message<FileError>([&] { load_csv(dir_.string()); }),
            fmt::format("cannot open \"{}\": is a directory", dir_.string()));
}

}  // namespace
}  // namespace dagrad
