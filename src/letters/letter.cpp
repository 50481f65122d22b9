#include "letters/letter.hpp"
