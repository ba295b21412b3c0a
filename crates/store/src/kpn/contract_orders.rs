//! KPN contract orders: what terminate, replace SIM, move and port out keep beside the contract.
