// Implementation of dns64/wire.h (being written).
#include "dns64/wire.h"
