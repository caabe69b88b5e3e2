// The message of the error a call throws, for tests that check it word for
// word; records a failure when nothing (or another type) is thrown.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "dagrad/error.hpp"

namespace dagrad::testing_support {

template <class ErrorType = Error, class Function>
std::string error_message(Function&& call) {
  try {
    call();
  } catch (const ErrorType& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error, none was thrown";
  return {};
}

}  // namespace dagrad::testing_support
