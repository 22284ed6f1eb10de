// Tables of the event bus (inbox, failed-job archive, breakers): migrations 010-019.
export interface BusTables {}
