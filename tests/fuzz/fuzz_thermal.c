/* SPDX-License-Identifier: MIT */
/* Fuzz target: the small files the hardware drivers read (thermal zone temp, GPIO simulation mirror). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "gpio.h"
#include "thermal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double c = 0;
	int v[ANPR_GPIO_ROLES] = { 0, 0, 0, 0 };

	if (anpr_thermal_parse((const char *)data, size, &c) == ANPR_ERR_OK &&
	    (!isfinite(c) || c < -273.15 || c > 1000))
		abort();
	if (anpr_gpio_parse_sim((const char *)data, size, v) == ANPR_ERR_OK)
		for (int i = 0; i < ANPR_GPIO_ROLES; i++)
			if (v[i] != 0 && v[i] != 1)
				abort();
	return 0;
}
