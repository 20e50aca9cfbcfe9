"""The 5522A's high-voltage interlock, shared by the driver and the simulator.

Outputs above :data:`HIGH_VOLTAGE_LIMIT_V` need the operator's confirmation. The
simulator refuses the first ``OPER`` above it with :data:`HV_CONFIRM_CODE` /
:data:`HV_CONFIRM_TEXT` on its error queue (the real calibrator prompts on its front
panel above 33 V); a second ``OPER`` is the confirmation.
"""

#: outputs above this magnitude (V) need the operator's confirmation before OPER
HIGH_VOLTAGE_LIMIT_V = 30.0
#: error the simulator queues when OPER is asked for above 30 V without a confirmation
HV_CONFIRM_CODE = 540
HV_CONFIRM_TEXT = "Output above 30 V: send OPER again to confirm"
